-- Console passwords of users: only a salted hash is kept, never the password.
CREATE TABLE login_profiles (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (user_id),
    salt TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    password_reset_required INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
