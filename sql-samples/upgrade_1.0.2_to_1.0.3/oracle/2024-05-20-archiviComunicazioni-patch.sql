ALTER TABLE order_messages ADD (payload_bytes NUMBER(10));
UPDATE order_messages SET payload_bytes = DBMS_LOB.GETLENGTH(payload) WHERE payload IS NOT NULL;
