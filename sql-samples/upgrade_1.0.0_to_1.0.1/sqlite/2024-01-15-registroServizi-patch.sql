-- Customer registry.
CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  code VARCHAR(32) NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  email VARCHAR(255),
  CONSTRAINT uq_customers_code UNIQUE (code)
);
