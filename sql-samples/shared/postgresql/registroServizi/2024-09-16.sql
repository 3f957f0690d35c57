-- Fix released in 1.0.4 and repeated in 1.1.1: invoices need the customer's VAT number and country.
ALTER TABLE customers ADD COLUMN vat_number VARCHAR(32);
ALTER TABLE customers ADD COLUMN country_code CHAR(2) DEFAULT 'IT';
