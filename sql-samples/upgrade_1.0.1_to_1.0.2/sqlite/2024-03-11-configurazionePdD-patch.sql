UPDATE app_settings SET setting_value = '100' WHERE setting_name = 'orders.page_size';
INSERT INTO app_settings (setting_name, setting_value) VALUES ('orders.default_currency', 'EUR');
