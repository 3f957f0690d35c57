-- 1.1: messages carry the correlation id of the partner system.
ALTER TABLE order_messages ADD COLUMN correlation_id VARCHAR(64);
CREATE INDEX idx_order_messages_corr ON order_messages (correlation_id);
