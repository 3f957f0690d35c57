DELETE FROM db_info;
INSERT INTO db_info (major_version,minor_version,notes) VALUES (1,1,'[1.1.1] Orders service database');
