-- The private keys a SAML provider decrypts encrypted assertions with (`AddPrivateKey`): two
-- at most, so that one can be rotated. `private_key` is the PEM as given; IAM never returns it.
CREATE TABLE saml_provider_private_keys (
    provider_arn TEXT NOT NULL REFERENCES saml_providers (arn) ON DELETE CASCADE,
    key_id TEXT NOT NULL,
    private_key TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    UNIQUE (provider_arn, key_id)
);
