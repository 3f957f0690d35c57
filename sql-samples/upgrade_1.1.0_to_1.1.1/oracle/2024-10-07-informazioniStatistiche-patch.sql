-- 1.1.1: daily shipment counts per carrier.
CREATE TABLE shipment_stats_daily (
  stat_day DATE NOT NULL,
  carrier VARCHAR2(64) NOT NULL,
  shipments_count NUMBER(10) DEFAULT 0 NOT NULL,
  CONSTRAINT pk_shipment_stats_daily PRIMARY KEY (stat_day, carrier)
);
