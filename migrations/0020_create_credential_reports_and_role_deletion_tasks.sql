-- The account's most recent credential report (GenerateCredentialReport), kept as its CSV.
CREATE TABLE credential_reports (
    account_id TEXT PRIMARY KEY NOT NULL REFERENCES accounts (account_id),
    generated_at INTEGER NOT NULL,
    content TEXT NOT NULL
);

-- Deletion tasks of service-linked roles (DeleteServiceLinkedRole), for
-- GetServiceLinkedRoleDeletionStatus.
CREATE TABLE role_deletion_tasks (
    deletion_task_id TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    status TEXT NOT NULL,
    reason TEXT,
    created_at INTEGER NOT NULL
);
