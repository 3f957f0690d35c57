ALTER TABLE customers ADD COLUMN phone VARCHAR(40);
CREATE INDEX idx_customers_email ON customers (email);
-- e-mail addresses are compared case-insensitively from now on
UPDATE customers SET email = LOWER(email) WHERE email IS NOT NULL;
