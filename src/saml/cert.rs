//! The RSA public key of an X.509 certificate (RFC 5280), read with a minimal DER walk:
//! SAML metadata carries its IdP's signing keys as certificates, and only the key counts
//! (AWS does not check a SAML certificate's dates or issuer).

/// `rsaEncryption`, 1.2.840.113549.1.1.1, as a DER object identifier's content.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const SEQUENCE: u8 = 0x30;
const BIT_STRING: u8 = 0x03;
const OID: u8 = 0x06;
/// `[0] EXPLICIT Version` of a v3 certificate.
const VERSION: u8 = 0xa0;

/// One DER value: (tag, content, what follows). Tags of one byte and definite lengths only,
/// which is all DER allows for what a certificate holds up to its key.
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = data.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |len, &b| (len << 8) | usize::from(b));
        rest = &rest[n..];
        len
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

fn expect(data: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (t, content, rest) = tlv(data)?;
    (t == tag).then_some((content, rest))
}

/// The `RSAPublicKey` (PKCS #1) of a DER certificate, as `ring` verifies with it; `None`
/// when the certificate does not parse or its key is not RSA.
pub fn rsa_public_key(cert: &[u8]) -> Option<Vec<u8>> {
    let (certificate, _) = expect(cert, SEQUENCE)?;
    let (tbs, _) = expect(certificate, SEQUENCE)?;
    let mut rest = tbs;
    if let Some((VERSION, _, after)) = tlv(rest) {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject.
    for _ in 0..5 {
        rest = tlv(rest)?.2;
    }
    let (spki, _) = expect(rest, SEQUENCE)?;
    let (algorithm, spki_rest) = expect(spki, SEQUENCE)?;
    let (oid, _) = expect(algorithm, OID)?;
    if oid != RSA_ENCRYPTION {
        return None;
    }
    let (bits, _) = expect(spki_rest, BIT_STRING)?;
    // The first byte counts the unused bits of the last one: none, for a key.
    match bits.split_first() {
        Some((0, key)) => Some(key.to_vec()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_idp_certificate_holds_its_rsa_key() {
        let cert = super::super::idp::certificate_der();
        let key = rsa_public_key(&cert).unwrap();
        // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
        let (body, _) = expect(&key, SEQUENCE).unwrap();
        let (modulus, rest) = expect(body, 0x02).unwrap();
        assert_eq!(modulus.len(), 257, "a 2048-bit modulus with its sign byte");
        assert_eq!(expect(rest, 0x02).unwrap().0, &[1, 0, 1]);
    }

    #[test]
    fn garbage_is_no_key() {
        assert_eq!(rsa_public_key(&[]), None);
        assert_eq!(rsa_public_key(&[0x30, 0x82, 0xff]), None);
        assert_eq!(rsa_public_key(&[0x30, 0x03, 0x30, 0x01, 0x00]), None);
    }
}
