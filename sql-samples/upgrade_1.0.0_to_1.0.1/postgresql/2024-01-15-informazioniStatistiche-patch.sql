-- Daily totals, filled by the nightly aggregation job.
CREATE TABLE order_stats_daily (
  stat_day DATE PRIMARY KEY,
  orders_count INT NOT NULL DEFAULT 0,
  total_amount NUMERIC(14,2) NOT NULL DEFAULT 0
);
