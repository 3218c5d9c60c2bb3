-- Virtual MFA devices: the TOTP seed (a secret, kept as an access key's secret is), and the
-- user the device is enabled for, if any.
CREATE TABLE mfa_devices (
    serial_number TEXT PRIMARY KEY NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (account_id),
    device_name TEXT NOT NULL COLLATE NOCASE,
    path TEXT NOT NULL,
    -- Base32, as Base32StringSeed shows it.
    seed TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    user_id TEXT REFERENCES users (user_id),
    enabled_at INTEGER,
    -- The last time step a code was accepted for: a code is good once (RFC 6238 §5.2).
    last_step INTEGER NOT NULL DEFAULT 0,
    -- How many steps the device's clock is off, as EnableMFADevice/ResyncMFADevice saw it.
    drift_steps INTEGER NOT NULL DEFAULT 0,
    UNIQUE (account_id, device_name)
);
CREATE INDEX mfa_devices_by_user ON mfa_devices (user_id);

CREATE TABLE mfa_device_tags (
    serial_number TEXT NOT NULL REFERENCES mfa_devices (serial_number) ON DELETE CASCADE,
    tag_key TEXT NOT NULL COLLATE NOCASE,
    tag_value TEXT NOT NULL,
    UNIQUE (serial_number, tag_key)
);
