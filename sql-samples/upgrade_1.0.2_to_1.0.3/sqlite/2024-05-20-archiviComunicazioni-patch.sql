ALTER TABLE order_messages ADD COLUMN payload_bytes INT;
UPDATE order_messages SET payload_bytes = LENGTH(CAST(payload AS BLOB)) WHERE payload IS NOT NULL;
