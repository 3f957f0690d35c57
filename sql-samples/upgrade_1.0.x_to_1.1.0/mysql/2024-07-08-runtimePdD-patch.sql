-- 1.1: shipments of dispatched orders (the foreign key creates the order_id index).
CREATE TABLE shipments (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  carrier VARCHAR(64) NOT NULL,
  tracking_code VARCHAR(128),
  shipped_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk_shipments_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE INDEX idx_shipments_tracking ON shipments (tracking_code);
