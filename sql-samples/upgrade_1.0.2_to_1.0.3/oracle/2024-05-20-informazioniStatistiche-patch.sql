ALTER TABLE order_stats_daily ADD (cancelled_count NUMBER(10) DEFAULT 0 NOT NULL);
