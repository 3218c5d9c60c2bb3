-- IAM roles: who may assume them (the trust policy) and for how long.
CREATE TABLE roles (
    role_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    role_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    trust_policy TEXT NOT NULL,
    description TEXT,
    max_session_duration INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    last_used_region TEXT,
    UNIQUE (account_id, role_name)
);

CREATE TABLE role_tags (
    role_id TEXT NOT NULL REFERENCES roles (role_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (role_id, tag_key)
);
