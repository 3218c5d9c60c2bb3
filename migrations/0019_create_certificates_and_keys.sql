-- Server certificates (for ELB and CloudFront). The private key is checked against the
-- certificate on upload and then dropped: IAM never returns it and iamlocal never uses it.
CREATE TABLE server_certificates (
    server_certificate_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    server_certificate_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    certificate_body TEXT NOT NULL,
    certificate_chain TEXT,
    expires_at INTEGER NOT NULL,
    uploaded_at INTEGER NOT NULL,
    UNIQUE (account_id, server_certificate_name)
);

CREATE TABLE server_certificate_tags (
    server_certificate_id TEXT NOT NULL REFERENCES server_certificates (server_certificate_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (server_certificate_id, tag_key)
);

-- X.509 signing certificates of users and account roots (user_id NULL). One certificate
-- (by the SHA-256 of its DER) belongs to one owner in an account.
CREATE TABLE signing_certificates (
    certificate_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    user_id TEXT REFERENCES users (user_id),
    certificate_body TEXT NOT NULL,
    der_sha256 TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at INTEGER NOT NULL,
    UNIQUE (account_id, der_sha256)
);
CREATE INDEX signing_certificates_by_user ON signing_certificates (user_id);

-- SSH public keys of users (for CodeCommit): the key as uploaded and its SSH wire form.
CREATE TABLE ssh_public_keys (
    ssh_public_key_id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    body TEXT NOT NULL,
    key_blob BLOB NOT NULL,
    fingerprint TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    uploaded_at INTEGER NOT NULL,
    UNIQUE (user_id, fingerprint)
);

-- Service-specific credentials: the generated password (or API key secret) is shown once
-- and kept only as a salted hash, like console passwords.
CREATE TABLE service_specific_credentials (
    credential_id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (user_id),
    service_name TEXT NOT NULL,
    service_user_name TEXT,
    service_credential_alias TEXT,
    salt TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER
);
CREATE INDEX service_specific_credentials_by_user ON service_specific_credentials (user_id);
