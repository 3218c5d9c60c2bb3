-- Sessions lose the unique index on their key id. Nothing looks a session up by key id in
-- SQL (the view answers that), and an index on a random key puts every new session on an
-- index page of its own, which each commit copies twice (journal and database). The store
-- keeps the key ids of the stored sessions in memory instead and refuses a taken one
-- (`store/sessions.rs`). Rows keep their order of issue.
CREATE TABLE sessions_by_rowid (
    access_key_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    secret_access_key TEXT NOT NULL,
    session_token TEXT NOT NULL,
    details TEXT NOT NULL,
    issued_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
INSERT INTO sessions_by_rowid
    SELECT access_key_id, account_id, secret_access_key, session_token, details, issued_at,
           expires_at
    FROM sessions ORDER BY issued_at;
DROP TABLE sessions;
ALTER TABLE sessions_by_rowid RENAME TO sessions;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
