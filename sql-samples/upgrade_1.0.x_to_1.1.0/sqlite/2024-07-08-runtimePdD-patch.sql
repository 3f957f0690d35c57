-- 1.1: shipments of dispatched orders.
CREATE TABLE shipments (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  carrier VARCHAR(64) NOT NULL,
  tracking_code VARCHAR(128),
  shipped_at TIMESTAMP
);

CREATE INDEX idx_shipments_order ON shipments (order_id);
CREATE INDEX idx_shipments_tracking ON shipments (tracking_code);
