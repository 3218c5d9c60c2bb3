-- Instance profiles: the containers EC2 passes a role through. A profile holds at most one
-- role (AWS's InstanceSessionsPerInstanceProfile quota), hence a column, not a table.
CREATE TABLE instance_profiles (
    instance_profile_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    instance_profile_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    role_id TEXT REFERENCES roles (role_id),
    UNIQUE (account_id, instance_profile_name)
);
CREATE INDEX instance_profiles_by_role ON instance_profiles (role_id);

CREATE TABLE instance_profile_tags (
    instance_profile_id TEXT NOT NULL REFERENCES instance_profiles (instance_profile_id) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (instance_profile_id, tag_key)
);
