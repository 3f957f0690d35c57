-- Daily totals, filled by the nightly aggregation job.
CREATE TABLE order_stats_daily (
  stat_day DATE NOT NULL,
  orders_count NUMBER(10) DEFAULT 0 NOT NULL,
  total_amount NUMBER(14,2) DEFAULT 0 NOT NULL,
  CONSTRAINT pk_order_stats_daily PRIMARY KEY (stat_day)
);
