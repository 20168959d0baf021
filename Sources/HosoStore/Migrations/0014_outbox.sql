-- Reminders that reach people (issue 18): the outbox, each person's choice of digests, and the
-- digests already made.
--
-- outbox: a message is written in the same transaction as what causes it (or by the digest job),
-- then handed to SMTP by the sender: queued → sending (claimed, with a lease) → sent, or back to
-- queued with a later attempt on a temporary failure, or failed with the server's answer. The
-- Message-ID is fixed at insert, so a message tried again after a crash is the same message.
-- `dedupe` makes a digest for a person and period once, however often the job runs.
CREATE TABLE outbox (
    tenant_id         bigint NOT NULL REFERENCES tenants (id),
    id                bigserial PRIMARY KEY,
    kind              text NOT NULL,
    dedupe            text,
    recipient_user_id bigint REFERENCES users (id),
    address           text NOT NULL,
    display_name      text NOT NULL DEFAULT '',
    language          text NOT NULL CHECK (language IN ('vi', 'en')),
    subject           text NOT NULL,
    body_text         text NOT NULL,
    body_html         text NOT NULL,
    message_id        text NOT NULL UNIQUE,
    state             text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts          int NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz NOT NULL DEFAULT now(),
    lease_until       timestamptz,
    last_answer       text,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    UNIQUE (tenant_id, dedupe)
);
CREATE INDEX outbox_due_idx ON outbox (tenant_id, next_attempt_at) WHERE state IN ('queued', 'sending');
CREATE INDEX outbox_list_idx ON outbox (tenant_id, created_at DESC);
CREATE INDEX outbox_sent_idx ON outbox (tenant_id, sent_at) WHERE state = 'sent';

-- A person's choice of digests (no row: the tenant's defaults). `weekday` 1 = Monday … 7 = Sunday.
CREATE TABLE notification_settings (
    tenant_id     bigint NOT NULL REFERENCES tenants (id),
    user_id       bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    weekly        boolean NOT NULL DEFAULT true,
    day_before    boolean NOT NULL DEFAULT true,
    weekday       int NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 1 AND 7),
    language      text NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- The digest job's runs: one row per tenant, kind and period it has made (the catch-up after a
-- downtime makes the current period once, never the same period twice).
CREATE TABLE digest_runs (
    tenant_id  bigint NOT NULL REFERENCES tenants (id),
    kind       text NOT NULL,
    period     text NOT NULL,
    made       int NOT NULL,
    skipped    int NOT NULL,
    ran_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, kind, period)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['outbox', 'notification_settings', 'digest_runs'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;
GRANT SELECT, INSERT, UPDATE ON outbox, notification_settings, digest_runs TO hoso_app;
GRANT USAGE ON SEQUENCE outbox_id_seq TO hoso_app;
