-- Version table (written by every info-patch) and global settings.
CREATE TABLE db_info (
  id SERIAL PRIMARY KEY,
  major_version INT NOT NULL,
  minor_version INT NOT NULL,
  notes VARCHAR(255)
);

CREATE TABLE app_settings (
  setting_name VARCHAR(128) PRIMARY KEY,
  setting_value VARCHAR(1024)
);

INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.page_size', '50');
INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.export.separator', ';');
