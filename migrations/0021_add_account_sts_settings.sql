-- Per-account STS settings: whether principals may get web identity tokens
-- (EnableOutboundWebIdentityFederation) and the version of the global endpoint's session
-- tokens (SetSecurityTokenServicePreferences).
ALTER TABLE accounts ADD COLUMN outbound_web_identity_federation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN global_endpoint_token_version TEXT NOT NULL DEFAULT 'v1Token';
