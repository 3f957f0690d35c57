-- 1.1: feature switches, read at start-up.
CREATE TABLE feature_flags (
  flag_name VARCHAR2(64) NOT NULL,
  enabled NUMBER(1) DEFAULT 0 NOT NULL,
  description VARCHAR2(255),
  CONSTRAINT pk_feature_flags PRIMARY KEY (flag_name)
);

INSERT INTO feature_flags (flag_name, enabled, description) VALUES ('shipments', 1, 'Track shipments of dispatched orders');
INSERT INTO feature_flags (flag_name, enabled, description) VALUES ('partial_refunds', 0, 'Allow refunds of single order lines');
