-- Long-term access keys of IAM users and of account roots (user_id NULL).
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    user_id TEXT REFERENCES users (user_id),
    secret_access_key TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    last_used_service TEXT,
    last_used_region TEXT
);
CREATE INDEX access_keys_by_user ON access_keys (user_id);
