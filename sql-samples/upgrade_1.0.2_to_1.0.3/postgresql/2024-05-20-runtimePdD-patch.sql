-- Status history of every order, kept by a trigger. No foreign key: the
-- history is an audit log and outlives deleted orders.
CREATE TABLE order_status_history (
  id BIGSERIAL PRIMARY KEY,
  order_id BIGINT NOT NULL,
  old_status VARCHAR(16),
  new_status VARCHAR(16) NOT NULL,
  changed_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_order_status_hist ON order_status_history (order_id, changed_at);

ALTER TABLE orders ADD COLUMN updated_at TIMESTAMP;

CREATE OR REPLACE FUNCTION orders_track_status() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF NEW.status IS DISTINCT FROM OLD.status THEN
    INSERT INTO order_status_history (order_id, old_status, new_status)
    VALUES (OLD.id, OLD.status, NEW.status);
    NEW.updated_at := CURRENT_TIMESTAMP;
  END IF;
  RETURN NEW;
END;
$fn$;

CREATE TRIGGER trg_orders_status
BEFORE UPDATE ON orders
FOR EACH ROW EXECUTE FUNCTION orders_track_status();
