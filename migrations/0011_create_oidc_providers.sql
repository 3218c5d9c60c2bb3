-- IAM OpenID Connect providers: the issuers whose ID tokens AssumeRoleWithWebIdentity
-- accepts. `url` is the issuer without its scheme (host/path), as the ARN and AWS show it;
-- the client ids and thumbprints are short lists, kept as JSON arrays.
CREATE TABLE oidc_providers (
    arn TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    url TEXT NOT NULL,
    client_ids TEXT NOT NULL,
    thumbprints TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE oidc_provider_tags (
    provider_arn TEXT NOT NULL REFERENCES oidc_providers (arn) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (provider_arn, tag_key)
);
