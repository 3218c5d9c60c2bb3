//! Just enough PEM and DER to read certificates and keys: PEM blocks (RFC 7468), DER
//! tag-length-value items with definite lengths (X.690), and the few items iamlocal writes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;
pub const SEQUENCE: u8 = 0x30;
/// `[0]` and `[1]`, constructed: explicit context tags.
pub const CONTEXT_0: u8 = 0xA0;
pub const CONTEXT_1: u8 = 0xA1;

/// `1.2.840.113549.1.1.1` rsaEncryption
pub const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// `1.2.840.10045.2.1` id-ecPublicKey
pub const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
/// `1.2.840.10045.3.1.7` prime256v1
pub const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
/// `1.3.132.0.34` secp384r1
pub const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];

/// One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY` …) and its DER bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pem {
    pub label: String,
    pub der: Vec<u8>,
}

/// Every PEM block of `text`, in order; text between blocks is ignored, as OpenSSL does.
/// `None` when a block is not closed or its body is not base64 (encrypted PEM headers too).
pub fn pem_blocks(text: &str) -> Option<Vec<Pem>> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in text.lines().map(str::trim) {
        match &mut open {
            None => {
                if let Some(label) = boundary(line, "-----BEGIN ") {
                    open = Some((label.to_owned(), String::new()));
                }
            }
            Some((label, body)) => {
                if let Some(end) = boundary(line, "-----END ") {
                    if end != label {
                        return None;
                    }
                    let der = STANDARD.decode(body.as_bytes()).ok()?;
                    blocks.push(Pem {
                        label: std::mem::take(label),
                        der,
                    });
                    open = None;
                } else {
                    body.push_str(line);
                }
            }
        }
    }
    open.is_none().then_some(blocks)
}

fn boundary<'l>(line: &'l str, start: &str) -> Option<&'l str> {
    line.strip_prefix(start)?.strip_suffix("-----")
}

/// `der` as a PEM block with 64-character lines.
pub fn to_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// A cursor over consecutive DER items.
#[derive(Debug, Clone, Copy)]
pub struct Der<'a> {
    rest: &'a [u8],
}

impl<'a> Der<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Der { rest: bytes }
    }

    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The tag of the next item, without reading it.
    pub fn peek(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next item's tag and contents.
    pub fn read(&mut self) -> Option<(u8, &'a [u8])> {
        let (&tag, rest) = self.rest.split_first()?;
        let (&first, mut rest) = rest.split_first()?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7F);
            if n == 0 || n > 4 || rest.len() < n {
                return None;
            }
            let (bytes, after) = rest.split_at(n);
            rest = after;
            bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        if rest.len() < len {
            return None;
        }
        let (contents, after) = rest.split_at(len);
        self.rest = after;
        Some((tag, contents))
    }

    /// The contents of the next item, which must have this tag.
    pub fn expect(&mut self, tag: u8) -> Option<&'a [u8]> {
        match self.read()? {
            (t, contents) if t == tag => Some(contents),
            _ => None,
        }
    }

    /// A cursor over the contents of the next item, which must have this tag.
    pub fn enter(&mut self, tag: u8) -> Option<Der<'a>> {
        self.expect(tag).map(Der::new)
    }

    /// Skips the next item if it has this tag.
    pub fn skip_if(&mut self, tag: u8) -> Option<()> {
        if self.peek() == Some(tag) {
            self.read()?;
        }
        Some(())
    }

    /// The next INTEGER's magnitude, without the sign byte DER adds: for comparing keys.
    pub fn unsigned(&mut self) -> Option<&'a [u8]> {
        let bytes = self.expect(INTEGER)?;
        let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
        Some(&bytes[start..])
    }

    /// The next BIT STRING's bytes; only whole bytes (no unused bits) are keys.
    pub fn bit_string(&mut self) -> Option<&'a [u8]> {
        match self.expect(BIT_STRING)?.split_first() {
            Some((0, bytes)) => Some(bytes),
            _ => None,
        }
    }
}

/// One DER item.
pub fn tlv(tag: u8, contents: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = contents.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(contents);
    out
}

/// An unsigned magnitude as a DER INTEGER (a zero byte first when the top bit is set).
pub fn unsigned_integer(magnitude: &[u8]) -> Vec<u8> {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let mut contents = Vec::with_capacity(magnitude.len() + 1);
    if magnitude.get(start).is_none_or(|&b| b & 0x80 != 0) {
        contents.push(0);
    }
    contents.extend_from_slice(&magnitude[start..]);
    tlv(INTEGER, &contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_read_back_what_was_written() {
        let long = vec![7u8; 300];
        let bytes = [tlv(OCTET_STRING, &long), unsigned_integer(&[0x80, 1])].concat();
        let mut der = Der::new(&bytes);
        assert_eq!(der.expect(OCTET_STRING), Some(&long[..]));
        assert_eq!(der.unsigned(), Some(&[0x80, 1][..]));
        assert!(der.is_empty());
        assert_eq!(unsigned_integer(&[0x80]), vec![INTEGER, 2, 0, 0x80]);
    }

    #[test]
    fn truncated_items_are_refused() {
        assert_eq!(Der::new(&[SEQUENCE, 5, 1, 2]).read(), None);
        assert_eq!(Der::new(&[SEQUENCE, 0x85, 1, 1, 1, 1, 1]).read(), None);
        assert_eq!(Der::new(&[]).read(), None);
    }

    #[test]
    fn pem_blocks_are_found_between_other_text() {
        let pem = format!(
            "junk\n{}more\n{}",
            to_pem("A", b"hello"),
            to_pem("B", &[0; 70])
        );
        let blocks = pem_blocks(&pem).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "A");
        assert_eq!(blocks[0].der, b"hello");
        assert_eq!(blocks[1].der, vec![0; 70]);
        assert_eq!(pem_blocks("-----BEGIN A-----\nAAAA\n"), None);
        assert_eq!(pem_blocks("-----BEGIN A-----\n!!\n-----END A-----"), None);
        assert_eq!(pem_blocks("-----BEGIN A-----\nAAAA\n-----END B-----"), None);
    }
}
