ALTER TABLE order_messages ADD COLUMN payload_bytes INT;
UPDATE order_messages SET payload_bytes = LENGTH(payload) WHERE payload IS NOT NULL;
