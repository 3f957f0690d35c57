-- Daily totals, filled by the nightly aggregation job.
CREATE TABLE order_stats_daily (
  stat_day DATE NOT NULL,
  orders_count INT NOT NULL DEFAULT 0,
  total_amount DECIMAL(14,2) NOT NULL DEFAULT 0,
  PRIMARY KEY (stat_day)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
