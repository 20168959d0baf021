-- A tenant's defaults for reminders (issue 18): what a person gets before they choose
-- (`notifications:` in the tenant file: weekly, day_before, weekday, language). A person's row in
-- notification_settings overrides them; an empty object keeps the built-in defaults (weekly on
-- Monday, the day-before note, Vietnamese).
ALTER TABLE tenants ADD COLUMN notifications jsonb NOT NULL DEFAULT '{}';
