-- Customer registry.
CREATE TABLE customers (
  id BIGINT NOT NULL AUTO_INCREMENT,
  code VARCHAR(32) NOT NULL,
  display_name VARCHAR(255) NOT NULL,
  email VARCHAR(255),
  PRIMARY KEY (id),
  CONSTRAINT uq_customers_code UNIQUE (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
