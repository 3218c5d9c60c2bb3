-- Console passwords of users: only a salted hash is kept, never the password.
CREATE TABLE login_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (user_id),
    salt TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    password_reset_required INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

-- The hashes of a user's recent passwords, for the policy's PasswordReusePrevention.
CREATE TABLE password_history (
    user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    salt TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    set_at INTEGER NOT NULL
);
CREATE INDEX password_history_by_user ON password_history (user_id);
