-- Status history of every order, kept by a trigger. No foreign key: the
-- history is an audit log and outlives deleted orders.
CREATE TABLE order_status_history (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_id BIGINT NOT NULL,
  old_status VARCHAR(16),
  new_status VARCHAR(16) NOT NULL,
  changed_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE INDEX idx_order_status_hist ON order_status_history (order_id, changed_at);

ALTER TABLE orders ADD COLUMN updated_at DATETIME(3) NULL;

DELIMITER $$
CREATE TRIGGER trg_orders_status
BEFORE UPDATE ON orders
FOR EACH ROW
BEGIN
  IF NOT (NEW.status <=> OLD.status) THEN
    INSERT INTO order_status_history (order_id, old_status, new_status)
    VALUES (OLD.id, OLD.status, NEW.status);
    SET NEW.updated_at = CURRENT_TIMESTAMP(3);
  END IF;
END$$
DELIMITER ;
