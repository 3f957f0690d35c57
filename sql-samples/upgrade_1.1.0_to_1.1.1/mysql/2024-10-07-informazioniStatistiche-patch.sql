-- 1.1.1: daily shipment counts per carrier.
CREATE TABLE shipment_stats_daily (
  stat_day DATE NOT NULL,
  carrier VARCHAR(64) NOT NULL,
  shipments_count INT NOT NULL DEFAULT 0,
  PRIMARY KEY (stat_day, carrier)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
