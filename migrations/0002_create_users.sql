-- IAM users. Names are unique per account regardless of case, as in IAM.
CREATE TABLE users (
    user_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    user_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, user_name)
);

-- Tags keep the order they were first added in (rowid); keys are unique regardless of case.
CREATE TABLE user_tags (
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (user_id, tag_key)
);
