-- Temporary credentials minted by STS, kept so they survive a restart until they expire.
-- `details` is JSON: whose session it is, its session policies, tags and source identity.
CREATE TABLE sessions (
    access_key_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL,
    secret_access_key TEXT NOT NULL,
    session_token TEXT NOT NULL,
    details TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
