-- no-transaction
-- Users lose the unique index on (account_id, user_name). New names fall all over such an
-- index, so each new user put an index page of its own in the commit, copied twice (journal
-- and database). The store keeps which user holds each name in memory instead, refuses a
-- taken one, and finds a user by name through it (`store/user_names.rs`).
--
-- The table is made anew, which drops every user first: with foreign keys on, that would
-- cascade to the users' tags, keys and the rest. Foreign keys can only be turned off outside
-- a transaction, hence `no-transaction` and a transaction of the migration's own. Run again
-- after a crash before sqlx noted it, it rebuilds the table once more, no harm done.
PRAGMA foreign_keys = OFF;
BEGIN;
-- Copied aside and back rather than made under another name and renamed: a rename parses
-- every statement of the schema again, a fifth of an in-memory start-up.
CREATE TABLE users_before_0025 AS
    SELECT user_id, account_id, user_name, path, created_at, permissions_boundary
    FROM users ORDER BY rowid;
DROP TABLE users;
CREATE TABLE users (
    user_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    user_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    permissions_boundary TEXT
);
INSERT INTO users SELECT * FROM users_before_0025 ORDER BY rowid;
DROP TABLE users_before_0025;
COMMIT;
PRAGMA foreign_keys = ON;
