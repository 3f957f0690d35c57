-- 1.1: feature switches, read at start-up.
CREATE TABLE feature_flags (
  flag_name VARCHAR(64) NOT NULL,
  enabled SMALLINT NOT NULL DEFAULT 0,
  description VARCHAR(255),
  PRIMARY KEY (flag_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO feature_flags (flag_name, enabled, description) VALUES ('shipments', 1, 'Track shipments of dispatched orders');
INSERT INTO feature_flags (flag_name, enabled, description) VALUES ('partial_refunds', 0, 'Allow refunds of single order lines');
