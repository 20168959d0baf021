-- Stale passwords (issue 18): the warning a sign-in found (the directory's password-policy control,
-- or its pwdChangedTime against pwdMaxAge) is kept with the session, so the person's pages show it
-- for as long as the session lasts. A small JSON object (kind, days, grace); never a password.
ALTER TABLE sessions ADD COLUMN password_notice jsonb;
