-- Version table (written by every info-patch) and global settings.
-- db_info takes its id from a sequence through a trigger.
CREATE SEQUENCE seq_db_info START WITH 1 INCREMENT BY 1 NOCACHE NOCYCLE;

CREATE TABLE db_info (
  id NUMBER(10) NOT NULL,
  major_version NUMBER(10) NOT NULL,
  minor_version NUMBER(10) NOT NULL,
  notes VARCHAR2(255),
  CONSTRAINT pk_db_info PRIMARY KEY (id)
);

CREATE OR REPLACE TRIGGER trg_db_info_id
BEFORE INSERT ON db_info
FOR EACH ROW
WHEN (NEW.id IS NULL)
BEGIN
  :NEW.id := seq_db_info.NEXTVAL;
END;
/

CREATE TABLE app_settings (
  setting_name VARCHAR2(128) NOT NULL,
  setting_value VARCHAR2(1024),
  CONSTRAINT pk_app_settings PRIMARY KEY (setting_name)
);

INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.page_size', '50');
INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.export.separator', ';');
