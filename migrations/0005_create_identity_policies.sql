-- The inline policies of users and roles, and the managed policies attached to them (by
-- ARN, so AWS managed policies can be attached as well as the account's own), in
-- attachment order. The owner is a user's or role's unique id: their prefixes (AIDA, AROA)
-- keep them apart.
CREATE TABLE inline_policies (
    owner_id TEXT NOT NULL,
    policy_name TEXT NOT NULL COLLATE NOCASE,
    document TEXT NOT NULL,
    PRIMARY KEY (owner_id, policy_name)
);

CREATE TABLE attached_policies (
    owner_id TEXT NOT NULL,
    policy_arn TEXT NOT NULL,
    PRIMARY KEY (owner_id, policy_arn)
);
CREATE INDEX attached_policies_by_arn ON attached_policies (policy_arn);
