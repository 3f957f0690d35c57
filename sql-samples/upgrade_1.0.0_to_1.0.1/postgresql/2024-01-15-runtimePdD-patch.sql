-- Orders and their lines. customer_code points into the registry by value only:
-- the registry may live in another schema.
CREATE TABLE orders (
  id BIGSERIAL PRIMARY KEY,
  customer_code VARCHAR(32) NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'NEW',
  amount NUMERIC(12,2) NOT NULL DEFAULT 0,
  created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE order_lines (
  id BIGSERIAL PRIMARY KEY,
  order_id BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  sku VARCHAR(64) NOT NULL,
  qty INT NOT NULL CHECK (qty > 0),
  unit_price NUMERIC(12,2) NOT NULL
);

CREATE INDEX idx_order_lines_order ON order_lines (order_id);
