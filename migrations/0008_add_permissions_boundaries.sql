-- A user's or role's permissions boundary: the ARN of a managed policy, or NULL.
ALTER TABLE users ADD COLUMN permissions_boundary TEXT;
ALTER TABLE roles ADD COLUMN permissions_boundary TEXT;
