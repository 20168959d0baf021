-- Digital signatures: each tenant's trusted CA roots, the signing keys it knows (certificates
-- only: private keys stay in the key store, named here by reference), one manifest per record
-- version with the XML-DSig signatures of its chain, and a row per signature made.

CREATE TABLE trust_roots (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    id          bigserial PRIMARY KEY,
    fingerprint text NOT NULL,
    subject     text NOT NULL,
    not_after   timestamptz NOT NULL,
    pem         text NOT NULL,
    source      text NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tenant_id, fingerprint)
);

-- A person's key (approvals) or a school's (the organisation seal).
CREATE TABLE signing_keys (
    tenant_id       bigint NOT NULL REFERENCES tenants (id),
    id              bigserial PRIMARY KEY,
    owner_user_id   bigint REFERENCES users (id),
    owner_unit_id   bigint REFERENCES units (id),
    fingerprint     text NOT NULL,
    serial          text NOT NULL,
    subject         text NOT NULL,
    common_name     text NOT NULL,
    issuer          text NOT NULL,
    algorithm       text NOT NULL,
    not_before      timestamptz NOT NULL,
    not_after       timestamptz NOT NULL,
    certificate_pem text NOT NULL,
    -- Where the private key is (a file of the PKCS#12 key store); NULL for a certificate whose key
    -- is on the person's own token (they sign outside Hoso and hand the manifest back).
    key_ref         text,
    state           text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
    imported_at     timestamptz NOT NULL DEFAULT now(),
    retired_at      timestamptz,
    CHECK ((owner_user_id IS NULL) <> (owner_unit_id IS NULL)),
    UNIQUE (tenant_id, fingerprint)
);
CREATE INDEX signing_keys_user_idx ON signing_keys (tenant_id, owner_user_id) WHERE state = 'active';
CREATE INDEX signing_keys_unit_idx ON signing_keys (tenant_id, owner_unit_id) WHERE state = 'active';

-- The manifest of a version: written when first needed, then only ever extended by a signature
-- (the code checks that every earlier signature is carried unchanged).
CREATE TABLE record_manifests (
    tenant_id       bigint NOT NULL REFERENCES tenants (id),
    version_id      bigint PRIMARY KEY REFERENCES record_versions (id),
    obligation_id   bigint NOT NULL REFERENCES obligations (id),
    xml             text NOT NULL,
    signatures      int NOT NULL DEFAULT 0,
    sealed          boolean NOT NULL DEFAULT false,
    signature_state text NOT NULL DEFAULT 'unsigned' CHECK (signature_state IN ('unsigned', 'signed', 'invalid')),
    problem         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    checked_at      timestamptz
);
CREATE INDEX record_manifests_obligation_idx ON record_manifests (tenant_id, obligation_id);

CREATE TABLE record_signatures (
    tenant_id      bigint NOT NULL REFERENCES tenants (id),
    id             bigserial PRIMARY KEY,
    version_id     bigint NOT NULL REFERENCES record_versions (id),
    position       int NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('approval', 'seal')),
    step           int NOT NULL,
    role           text NOT NULL,
    signer_user_id bigint REFERENCES users (id),
    signer_unit_id bigint REFERENCES units (id),
    key_id         bigint REFERENCES signing_keys (id),
    fingerprint    text NOT NULL,
    serial         text NOT NULL,
    common_name    text NOT NULL,
    algorithm      text NOT NULL,
    signed_at      timestamptz NOT NULL,
    -- 'hoso': made by the key store; 'external': made outside and handed in.
    made_by        text NOT NULL CHECK (made_by IN ('hoso', 'external')),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (version_id, position)
);

-- Inspection minutes signed by the team's leader: the signed manifest of the minutes' PDF.
ALTER TABLE inspection_minutes ADD COLUMN manifest_xml text;

-- The current version's signature state, kept with the obligation.
ALTER TABLE obligations ADD COLUMN signature_state text NOT NULL DEFAULT 'unsigned'
    CHECK (signature_state IN ('unsigned', 'signed', 'invalid'));

-- Signed and invalid items per unit subtree and school year, kept by a trigger as the state
-- changes (as compliance_counts are): a dashboard reads one row, however many records are signed.
-- (Counting the obligations at read time took 150 ms for a province with 101,000 signed items.)
CREATE TABLE signature_counts (
    tenant_id   bigint NOT NULL REFERENCES tenants (id),
    unit_id     bigint NOT NULL REFERENCES units (id),
    school_year text NOT NULL,
    signed      int NOT NULL DEFAULT 0,
    invalid     int NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, unit_id, school_year)
);

-- Runs as the owner (the application reads the counts but cannot write them); the unit and every
-- unit above it, root first, the lock order compliance_counts' writers use.
CREATE FUNCTION hoso_signature_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
    AS $$
BEGIN
    INSERT INTO signature_counts AS c (tenant_id, unit_id, school_year, signed, invalid)
    SELECT NEW.tenant_id, a.id, NEW.school_year,
           (NEW.signature_state = 'signed')::int - (OLD.signature_state = 'signed')::int,
           (NEW.signature_state = 'invalid')::int - (OLD.signature_state = 'invalid')::int
    FROM units s JOIN units a ON a.tenant_id = s.tenant_id AND a.path @> s.path
    WHERE s.id = NEW.unit_id
    ORDER BY nlevel(a.path)
    ON CONFLICT (tenant_id, unit_id, school_year) DO UPDATE SET signed = c.signed + excluded.signed, invalid = c.invalid + excluded.invalid;
    RETURN NULL;
END $$;

CREATE TRIGGER obligations_signature_count AFTER UPDATE OF signature_state ON obligations
    FOR EACH ROW WHEN (OLD.signature_state IS DISTINCT FROM NEW.signature_state) EXECUTE FUNCTION hoso_signature_count();

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['trust_roots', 'signing_keys', 'record_manifests', 'record_signatures', 'signature_counts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I USING (tenant_id = hoso_current_tenant()) '
                       'WITH CHECK (tenant_id = hoso_current_tenant())', t);
    END LOOP;
END $$;

GRANT SELECT, INSERT ON trust_roots, record_signatures TO hoso_app;
GRANT SELECT ON signature_counts TO hoso_app;
REVOKE ALL ON FUNCTION hoso_signature_count() FROM PUBLIC;
GRANT SELECT, INSERT ON signing_keys TO hoso_app;
GRANT UPDATE (state, retired_at) ON signing_keys TO hoso_app;
GRANT SELECT, INSERT ON record_manifests TO hoso_app;
GRANT UPDATE (xml, signatures, sealed, signature_state, problem, updated_at, checked_at) ON record_manifests TO hoso_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hoso_app;
