-- Multi-currency orders; existing rows were all priced in euro.
ALTER TABLE orders ADD COLUMN currency CHAR(3) DEFAULT 'EUR';
UPDATE orders SET currency = 'EUR' WHERE currency IS NULL;

CREATE INDEX idx_orders_status ON orders (status, created_at);
