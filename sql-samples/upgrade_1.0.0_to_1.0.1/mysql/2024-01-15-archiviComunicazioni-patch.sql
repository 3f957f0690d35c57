-- Archive of the messages exchanged about each order.
CREATE TABLE order_messages (
  id BIGINT NOT NULL AUTO_INCREMENT,
  order_ref VARCHAR(64) NOT NULL,
  direction VARCHAR(8) NOT NULL CHECK (direction IN ('IN','OUT')),
  payload MEDIUMTEXT,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE INDEX idx_order_messages_ref ON order_messages (order_ref, created_at);
