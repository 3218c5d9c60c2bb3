//! AWS-shaped identifiers: unique ids (`AIDA…`), access key ids (`AKIA…`, `ASIA…`) and secrets.
//!
//! Access key ids carry the account id the way AWS's do, so `sts:GetAccessKeyInfo` can read
//! it back: after the 4-character prefix come 10 bytes in base32; bits 46..7 of the first
//! six bytes hold the account number.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids>

use std::sync::atomic::{AtomicU64, Ordering};

use rand::{Rng, RngCore};

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// The kinds of identifier AWS tells apart by their first four characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    User,
    Role,
    Group,
    Policy,
    InstanceProfile,
    AccessKey,
    TemporaryAccessKey,
    ServerCertificate,
    SshPublicKey,
    ServiceSpecificCredential,
}

impl IdKind {
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "AIDA",
            IdKind::Role => "AROA",
            IdKind::Group => "AGPA",
            IdKind::Policy => "ANPA",
            IdKind::InstanceProfile => "AIPA",
            IdKind::AccessKey => "AKIA",
            IdKind::TemporaryAccessKey => "ASIA",
            IdKind::ServerCertificate => "ASCA",
            IdKind::SshPublicKey => "APKA",
            IdKind::ServiceSpecificCredential => "ACCA",
        }
    }
}

/// A new id of the given kind for an account: 20 characters for access keys, 21 for the
/// unique ids of users, roles and the rest (AWS's lengths).
///
/// Access key ids carry the account, which leaves them 39 random bits: two can collide
/// (about 1 % at 100,000 keys in one account), so their inserts retry with a fresh id.
/// Unique ids start with a counter instead (see [`UniqueIdOrder`]), then 45 random bits.
pub fn new_id(kind: IdKind, account_id: &str) -> String {
    #[cfg(test)]
    if let Some(id) = tests::FORCED_IDS.with(|ids| ids.borrow_mut().pop()) {
        return id;
    }
    let mut rng = rand::rng();
    let mut bytes = [0u8; 10];
    rng.fill(&mut bytes[..]);
    let mut id = String::with_capacity(21);
    id.push_str(kind.prefix());
    if matches!(kind, IdKind::AccessKey | IdKind::TemporaryAccessKey) {
        let account: u64 = account_id.parse().unwrap_or(0) & 0xFF_FFFF_FFFF;
        let head = (account << 7) | (u64::from(bytes[5]) & 0x7F);
        bytes[..6].copy_from_slice(&head.to_be_bytes()[2..]);
        id.push_str(&base32(&bytes));
    } else {
        UniqueIdOrder::next().push_to(&mut id);
        let random = u64::from_le_bytes(bytes[..8].try_into().expect("8 of 10 bytes"));
        for i in 0..RANDOM_CHARS {
            id.push(BASE32[((random >> (5 * i)) & 31) as usize] as char);
        }
    }
    id
}

/// The characters of a unique id after its counter: 45 random bits.
const RANDOM_CHARS: usize = 9;

/// Where a unique id sorts among the others: a counter, started at the time (in
/// milliseconds) when the process started, counting up with each id, its low 40 bits written
/// in the base32 characters' ASCII order, so that a later id sorts after an earlier one.
///
/// Every table keyed by unique id (users, roles, groups, …) has an index on it, and random
/// ids put each new row on an index page of its own: a batch of new users changed a page per
/// user there, each copied into the journal and back by the commit (the WAL, on a file, and
/// each checkpoint). In order, a batch's ids share the index's last page. AWS documents its
/// ids as opaque; clients compare them, never read them. Ids of one process never repeat;
/// a restart that comes sooner than its predecessor's count of ids in milliseconds repeats
/// counters, which the 45 random bits after them tell apart.
struct UniqueIdOrder(u64);

/// The base32 characters in ASCII order: `2`–`7` sort before the letters.
const BASE32_SORTED: &[u8; 32] = b"234567ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The counter's characters: 40 bits.
const ORDER_CHARS: u32 = 8;

impl UniqueIdOrder {
    fn next() -> UniqueIdOrder {
        static NEXT: std::sync::LazyLock<AtomicU64> = std::sync::LazyLock::new(|| {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            AtomicU64::new(now.as_millis() as u64)
        });
        UniqueIdOrder(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    fn push_to(&self, id: &mut String) {
        for i in (0..ORDER_CHARS).rev() {
            id.push(BASE32_SORTED[((self.0 >> (5 * i)) & 31) as usize] as char);
        }
    }
}

/// A signing certificate's id: 24 characters, AWS's length, random throughout.
pub fn new_certificate_id() -> String {
    let mut rng = rand::rng();
    (0..24)
        .map(|_| BASE32[rng.random_range(0..32)] as char)
        .collect()
}

/// How often an insert retries with a fresh id after a collision before giving up.
pub const ID_ATTEMPTS: usize = 8;

/// A 40-character secret access key.
pub fn new_secret() -> String {
    let mut secret = Vec::with_capacity(40);
    push_secret_chars(&mut secret, 40);
    ascii(secret)
}

/// A session token: opaque to clients, long like AWS's, and bound to one temporary key.
pub fn new_session_token() -> String {
    let mut token = Vec::with_capacity(400);
    // AWS's tokens start like this (a serialized, versioned structure); clients treat them
    // as opaque, but some log-redaction rules look for the prefix.
    token.extend_from_slice(b"IQoJb3JpZ2luX2Vj");
    push_secret_chars(&mut token, 380);
    ascii(token)
}

/// What is kept of a session token: its SHA-256. The token is shown once, when it is
/// minted, as AWS does; a request's token is checked against the digest. A session held
/// this way is about half the size (a token is 396 characters), in memory and in SQLite.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    pub fn of(token: &str) -> TokenDigest {
        use sha2::Digest;
        TokenDigest(sha2::Sha256::digest(token.as_bytes()).into())
    }

    /// The digest as stored: 64 lowercase hex digits.
    pub fn to_hex(self) -> String {
        hex::encode(self.0)
    }

    /// A stored digest; a database written before digests were kept holds the token
    /// itself (396 characters, never 64 hex digits), whose digest is taken.
    pub fn from_stored(stored: &str) -> TokenDigest {
        let mut digest = [0u8; 32];
        match hex::decode_to_slice(stored, &mut digest) {
            Ok(()) => TokenDigest(digest),
            Err(_) => TokenDigest::of(stored),
        }
    }

    /// Whether `token` is the one this is the digest of.
    pub fn matches(&self, token: &str) -> bool {
        crate::auth::same_secret(&TokenDigest::of(token).0, &self.0)
    }
}

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenDigest(..)")
    }
}

/// Appends `n` characters drawn uniformly from [`SECRET_CHARS`]: 64 of them, so each takes
/// 6 bits of a random word (a draw per character is most of a token's cost otherwise), ten
/// at a time as bytes (`String::push` would encode each one as UTF-8).
fn push_secret_chars(out: &mut Vec<u8>, n: usize) {
    let mut rng = rand::rng();
    let mut left = n;
    while left > 0 {
        let mut bits = rng.next_u64();
        let take = left.min(10);
        let mut chars = [0u8; 10];
        for c in &mut chars {
            *c = SECRET_CHARS[(bits & 63) as usize];
            bits >>= 6;
        }
        out.extend_from_slice(&chars[..take]);
        left -= take;
    }
}

fn ascii(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("ASCII characters")
}

/// The account number an AWS-style access key id encodes, if it is one.
pub fn account_of_access_key(key_id: &str) -> Option<String> {
    let body = key_id.get(4..20)?;
    if key_id.len() != 20 || !key_id.starts_with('A') {
        return None;
    }
    let bytes = unbase32(body)?;
    let mut head = [0u8; 8];
    head[2..].copy_from_slice(&bytes[..6]);
    let account = (u64::from_be_bytes(head) & 0x7FFF_FFFF_FF80) >> 7;
    Some(format!("{account:012}"))
}

/// RFC 4648 base32 of exactly 10 bytes: 16 characters, no padding.
fn base32(bytes: &[u8; 10]) -> String {
    let mut out = String::with_capacity(16);
    for chunk in bytes.chunks(5) {
        let n = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
        for i in (0..8).rev() {
            out.push(BASE32[((n >> (i * 5)) & 31) as usize] as char);
        }
    }
    out
}

fn unbase32(text: &str) -> Option<[u8; 10]> {
    let mut out = [0u8; 10];
    for (chunk, dst) in text.as_bytes().chunks(8).zip(out.chunks_mut(5)) {
        let mut n = 0u64;
        for &c in chunk {
            let v = BASE32.iter().position(|&b| b == c.to_ascii_uppercase())?;
            n = (n << 5) | v as u64;
        }
        dst.copy_from_slice(&n.to_be_bytes()[3..]);
    }
    Some(out)
}

/// A random (v4) UUID, from the thread's generator (seeded once by the OS): uuid's own
/// `new_v4` asks the OS for its bytes, a system call per request.
pub fn request_id() -> RequestId {
    let id = uuid::Builder::from_random_bytes(rand::random()).into_uuid();
    let mut text = [0; uuid::fmt::Hyphenated::LENGTH];
    id.hyphenated().encode_lower(&mut text);
    RequestId(text)
}

/// A request's id, as text: copied with the decisions made for the request, never allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestId([u8; uuid::fmt::Hyphenated::LENGTH]);

impl std::ops::Deref for RequestId {
    type Target = str;

    fn deref(&self) -> &str {
        // Written by uuid's encoder: lowercase hex digits and hyphens.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::RefCell;

    use super::*;

    thread_local! {
        /// Ids [`new_id`] hands out (last first) before random ones: a test forces a
        /// collision with them.
        pub(crate) static FORCED_IDS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    }

    /// The next `new_id` calls on this thread answer `ids`, in order.
    pub(crate) fn force_ids(ids: &[&str]) {
        FORCED_IDS.with(|forced| {
            *forced.borrow_mut() = ids.iter().rev().map(|id| id.to_string()).collect()
        });
    }

    #[test]
    fn a_token_digest_reads_back_from_its_stored_form_and_from_an_old_token() {
        let token = new_session_token();
        let digest = TokenDigest::of(&token);
        assert!(digest.matches(&token));
        assert!(!digest.matches(&token[1..]));
        assert_eq!(TokenDigest::from_stored(&digest.to_hex()), digest);
        assert_eq!(digest.to_hex().len(), 64);
        // Stored before digests were kept: the token itself.
        assert_eq!(TokenDigest::from_stored(&token), digest);
    }

    #[test]
    fn request_ids_are_random_v4_uuids() {
        let id = request_id();
        let uuid = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(uuid.get_version_num(), 4);
        assert_eq!(&*id, uuid.hyphenated().to_string());
        assert_ne!(request_id(), id);
    }

    #[test]
    fn access_key_ids_encode_their_account() {
        for account in [
            "000000000000",
            "123456789012",
            "999999999999",
            "000000000001",
        ] {
            let id = new_id(IdKind::AccessKey, account);
            assert_eq!(id.len(), 20);
            assert!(id.starts_with("AKIA"));
            assert_eq!(account_of_access_key(&id).as_deref(), Some(account));
        }
    }

    #[test]
    fn a_published_key_id_decodes_to_its_account() {
        // The example from Tal Be'ery's analysis of AWS key ids.
        assert_eq!(
            account_of_access_key("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
    }

    #[test]
    fn unique_ids_have_aws_lengths_and_prefixes() {
        let id = new_id(IdKind::User, "123456789012");
        assert_eq!(id.len(), 21);
        assert!(id.starts_with("AIDA"));
        assert!(
            id.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        );
        assert_eq!(new_secret().len(), 40);
    }

    #[test]
    fn unique_ids_sort_in_the_order_they_were_made() {
        let ids: Vec<String> = (0..1000)
            .map(|_| new_id(IdKind::Role, "123456789012"))
            .collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
        // Written with base32's characters, as random ones were.
        assert!(
            ids.iter()
                .all(|id| id[4..].bytes().all(|b| BASE32.contains(&b)))
        );
        let tails: std::collections::HashSet<&str> = ids.iter().map(|id| &id[12..]).collect();
        assert_eq!(tails.len(), ids.len(), "the random part differs");
    }

    #[test]
    fn secrets_and_tokens_use_every_character_and_only_those() {
        let token = new_session_token();
        assert_eq!(token.len(), 396);
        let random = &token[16..];
        assert!(random.bytes().all(|b| SECRET_CHARS.contains(&b)));
        let seen: std::collections::HashSet<u8> = (0..50)
            .flat_map(|_| new_session_token().into_bytes())
            .collect();
        assert!(SECRET_CHARS.iter().all(|c| seen.contains(c)));
        assert_ne!(new_secret(), new_secret());
    }

    #[test]
    fn garbage_is_not_an_access_key() {
        assert_eq!(account_of_access_key("test"), None);
        assert_eq!(account_of_access_key("AKIA!!!!!!!!!!!!!!!!"), None);
        assert_eq!(account_of_access_key("AKIAé"), None);
    }
}
