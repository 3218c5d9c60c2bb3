-- Customer managed policies and their versions. The `Version` element inside a document and
-- a policy's versions (v1, v2 …) are different things: this table holds the latter.
CREATE TABLE policies (
    policy_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    policy_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    arn TEXT NOT NULL UNIQUE,
    description TEXT,
    default_version_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (account_id, policy_name)
);

CREATE TABLE policy_versions (
    policy_id TEXT NOT NULL REFERENCES policies (policy_id) ON DELETE CASCADE,
    version_id TEXT NOT NULL,
    document TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (policy_id, version_id)
);

CREATE TABLE policy_tags (
    policy_id TEXT NOT NULL REFERENCES policies (policy_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (policy_id, tag_key)
);
