-- Account-wide settings: the alias (one per account, unique across accounts, as on AWS)
-- and the password policy that login profiles are checked against.
CREATE TABLE account_aliases (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (account_id),
    alias TEXT NOT NULL UNIQUE
);

CREATE TABLE password_policies (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (account_id),
    minimum_password_length INTEGER NOT NULL,
    require_symbols INTEGER NOT NULL,
    require_numbers INTEGER NOT NULL,
    require_uppercase_characters INTEGER NOT NULL,
    require_lowercase_characters INTEGER NOT NULL,
    allow_users_to_change_password INTEGER NOT NULL,
    max_password_age INTEGER,
    password_reuse_prevention INTEGER,
    hard_expiry INTEGER NOT NULL
);
