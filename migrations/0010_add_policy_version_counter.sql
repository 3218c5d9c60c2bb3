-- The number of the last version a policy ever had: version ids are never reused, even
-- after a version is deleted.
ALTER TABLE policies ADD COLUMN last_version INTEGER NOT NULL DEFAULT 1;
