//! Console passwords: checked against the account's password policy, and kept only as a
//! salted, iterated SHA-256 hash.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html>

use rand::Rng;
use sha2::{Digest, Sha256};

use crate::aws_error;
use crate::error::AwsError;
use crate::store::PasswordPolicy;

/// The symbols AWS's policy counts ("! @ # $ % ^ & * ( ) _ + - = [ ] { } | '").
const SYMBOLS: &str = "!@#$%^&*()_+-=[]{}|'";

/// Rounds of SHA-256: enough to make a leaked database slow to guess from, cheap enough
/// for a local emulator's request path.
const ROUNDS: usize = 4096;

/// Checks a new password against the account's policy, or, without one, against AWS's
/// default policy: at least 8 characters, of at least three of the four kinds (uppercase,
/// lowercase, numbers, symbols). Messages are AWS's, one rule at a time.
pub fn check(policy: Option<&PasswordPolicy>, password: &str) -> Result<(), AwsError> {
    let has = |f: fn(char) -> bool| password.chars().any(f);
    let upper = has(|c| c.is_ascii_uppercase());
    let lower = has(|c| c.is_ascii_lowercase());
    let number = has(|c| c.is_ascii_digit());
    let symbol = has(|c| SYMBOLS.contains(c));
    let Some(policy) = policy else {
        let kinds = [upper, lower, number, symbol]
            .iter()
            .filter(|k| **k)
            .count();
        if password.chars().count() < 8 || kinds < 3 {
            return Err(aws_error!(
                PasswordPolicyViolation,
                "Password does not conform to the account password policy."
            ));
        }
        return Ok(());
    };
    let min = policy.minimum_password_length;
    let rules = [
        (
            password.chars().count() as i64 >= min,
            format!("Password should have a minimum length of {min}"),
        ),
        (
            upper || !policy.require_uppercase_characters,
            "Password should have at least one uppercase letter".into(),
        ),
        (
            lower || !policy.require_lowercase_characters,
            "Password should have at least one lowercase letter".into(),
        ),
        (
            number || !policy.require_numbers,
            "Password should have at least one number".into(),
        ),
        (
            symbol || !policy.require_symbols,
            "Password should have at least one symbol".into(),
        ),
    ];
    match rules.into_iter().find(|(ok, _)| !ok) {
        Some((_, message)) => Err(aws_error!(PasswordPolicyViolation, "{message}")),
        None => Ok(()),
    }
}

/// A password as it is kept: a random salt and the hash, both hex.
#[derive(Debug, Clone)]
pub struct PasswordHash {
    pub salt: String,
    pub hash: String,
}

impl PasswordHash {
    pub fn new(password: &str) -> PasswordHash {
        let salt: [u8; 16] = rand::rng().random();
        let salt = hex::encode(salt);
        let hash = digest(&salt, password);
        PasswordHash { salt, hash }
    }

    /// Does `password` hash to this? Compared in constant time.
    pub fn matches(&self, password: &str) -> bool {
        let candidate = digest(&self.salt, password);
        candidate.len() == self.hash.len()
            && candidate
                .bytes()
                .zip(self.hash.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

fn digest(salt: &str, password: &str) -> String {
    let mut state = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(password.as_bytes())
        .finalize();
    for _ in 1..ROUNDS {
        state = Sha256::new()
            .chain_update(state)
            .chain_update(salt.as_bytes())
            .finalize();
    }
    hex::encode(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy {
            minimum_password_length: 10,
            require_symbols: true,
            require_numbers: true,
            require_uppercase_characters: true,
            require_lowercase_characters: true,
            allow_users_to_change_password: false,
            max_password_age: None,
            password_reuse_prevention: None,
            hard_expiry: false,
        }
    }

    fn message(policy: Option<&PasswordPolicy>, password: &str) -> String {
        check(policy, password)
            .map(|()| "ok".to_owned())
            .unwrap_or_else(|e| e.message.to_string())
    }

    #[test]
    fn the_default_policy_wants_eight_characters_of_three_kinds() {
        assert_eq!(message(None, "Abcdefg1"), "ok");
        assert_eq!(message(None, "abcdefg1!"), "ok");
        assert!(message(None, "Abcdef1").contains("does not conform"));
        assert!(message(None, "abcdefgh1").contains("does not conform"));
    }

    #[test]
    fn an_account_policy_names_the_first_rule_broken() {
        let p = policy();
        assert_eq!(message(Some(&p), "Abcdefgh1!"), "ok");
        assert_eq!(
            message(Some(&p), "Abc1!"),
            "Password should have a minimum length of 10"
        );
        assert_eq!(
            message(Some(&p), "abcdefgh1!"),
            "Password should have at least one uppercase letter"
        );
        assert_eq!(
            message(Some(&p), "Abcdefghi!"),
            "Password should have at least one number"
        );
        assert_eq!(
            message(Some(&p), "Abcdefghi1"),
            "Password should have at least one symbol"
        );
    }

    #[test]
    fn a_hash_matches_its_password_only() {
        let hash = PasswordHash::new("Secret-Pass1");
        assert!(hash.matches("Secret-Pass1"));
        assert!(!hash.matches("secret-pass1"));
        assert!(!hash.hash.contains("Secret"));
        assert_ne!(PasswordHash::new("Secret-Pass1").hash, hash.hash, "salted");
    }
}
