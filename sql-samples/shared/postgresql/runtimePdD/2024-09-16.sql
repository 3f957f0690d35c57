-- Fix released in 1.0.4 and repeated in 1.1.1: free-text notes on orders.
CREATE TABLE order_notes (
  id BIGSERIAL PRIMARY KEY,
  order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  author VARCHAR(64),
  note_text VARCHAR(2000) NOT NULL,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE INDEX idx_order_notes_order ON order_notes (order_id);
