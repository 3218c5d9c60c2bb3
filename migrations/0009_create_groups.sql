-- IAM groups and their members. A user's permissions include its groups' policies.
CREATE TABLE groups (
    group_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    group_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    UNIQUE (account_id, group_name)
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups (group_id),
    user_id TEXT NOT NULL REFERENCES users (user_id),
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_by_user ON group_members (user_id);
