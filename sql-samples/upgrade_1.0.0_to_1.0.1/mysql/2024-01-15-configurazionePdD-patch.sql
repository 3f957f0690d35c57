-- Version table (written by every info-patch) and global settings.
CREATE TABLE db_info (
  id INT NOT NULL AUTO_INCREMENT,
  major_version INT NOT NULL,
  minor_version INT NOT NULL,
  notes VARCHAR(255),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE app_settings (
  setting_name VARCHAR(128) NOT NULL,
  setting_value VARCHAR(1024),
  PRIMARY KEY (setting_name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.page_size', '50');
INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.export.separator', ';');
