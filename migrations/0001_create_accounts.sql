-- An AWS account: the owner of every other entity.
CREATE TABLE accounts (
    account_id TEXT PRIMARY KEY NOT NULL,
    created_at INTEGER NOT NULL -- unix milliseconds, virtual clock
);
