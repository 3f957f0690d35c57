-- 1.1.2: search customers by VAT number (the column came with 1.0.4 / 1.1.1).
UPDATE customers SET vat_number = UPPER(TRIM(vat_number)) WHERE vat_number IS NOT NULL;
CREATE INDEX idx_customers_vat ON customers (vat_number);
