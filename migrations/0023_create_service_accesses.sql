-- The access advisor's service last accessed data: each user's or role's last allowed use
-- of each action (lowercase `service:action`). Kept in memory and written here with the key
-- uses, so a restart on the same file remembers it.
CREATE TABLE service_accesses (
    entity_arn TEXT NOT NULL,
    action TEXT NOT NULL,
    accessed_at INTEGER NOT NULL,
    region TEXT NOT NULL,
    PRIMARY KEY (entity_arn, action)
);
