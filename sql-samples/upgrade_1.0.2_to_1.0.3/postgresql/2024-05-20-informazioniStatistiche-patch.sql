ALTER TABLE order_stats_daily ADD COLUMN cancelled_count INT NOT NULL DEFAULT 0;
