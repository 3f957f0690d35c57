-- Status history of every order, kept by a trigger. No foreign key: the
-- history is an audit log and outlives deleted orders.
CREATE TABLE order_status_history (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id INTEGER NOT NULL,
  old_status VARCHAR(16),
  new_status VARCHAR(16) NOT NULL,
  changed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_order_status_hist ON order_status_history (order_id, changed_at);

ALTER TABLE orders ADD COLUMN updated_at TIMESTAMP;

CREATE TRIGGER trg_orders_status
AFTER UPDATE OF status ON orders
FOR EACH ROW
WHEN NEW.status IS NOT OLD.status
BEGIN
  INSERT INTO order_status_history (order_id, old_status, new_status)
  VALUES (OLD.id, OLD.status, NEW.status);
  UPDATE orders SET updated_at = CURRENT_TIMESTAMP WHERE id = NEW.id;
END;
