-- Archive of the messages exchanged about each order.
CREATE TABLE order_messages (
  id BIGSERIAL PRIMARY KEY,
  order_ref VARCHAR(64) NOT NULL,
  direction VARCHAR(8) NOT NULL CHECK (direction IN ('IN','OUT')),
  payload TEXT,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_order_messages_ref ON order_messages (order_ref, created_at);
