-- IAM SAML providers: the identity providers whose signed assertions AssumeRoleWithSAML
-- accepts. `metadata` is the SAML metadata document as given; the signing certificates are
-- read from it again when the data plane is built.
CREATE TABLE saml_providers (
    arn TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    uuid TEXT NOT NULL,
    metadata TEXT NOT NULL,
    assertion_encryption_mode TEXT,
    valid_until INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE saml_provider_tags (
    provider_arn TEXT NOT NULL REFERENCES saml_providers (arn) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (provider_arn, tag_key)
);
