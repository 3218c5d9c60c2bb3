//! The `QRCodePNG` of a virtual MFA device: its `otpauth://` URI as a QR code, written as a
//! black-and-white PNG. The PNG is written by hand (uncompressed deflate blocks): an image
//! library would be the largest dependency of the binary for one small picture.
//! <https://www.w3.org/TR/png/>

use qrcode::{Color, QrCode};

/// Pixels per QR module, and the quiet zone around the code (4 modules, as ISO 18004 asks).
const SCALE: usize = 4;
const QUIET_MODULES: usize = 4;

/// The PNG of the QR code of `text`; `None` when the text is too long for any QR code.
pub fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let modules = code.width();
    let colors = code.to_colors();
    let size = (modules + 2 * QUIET_MODULES) * SCALE;
    let dark = |x: usize, y: usize| {
        let (mx, my) = (x / SCALE, y / SCALE);
        (QUIET_MODULES..QUIET_MODULES + modules).contains(&mx)
            && (QUIET_MODULES..QUIET_MODULES + modules).contains(&my)
            && colors[(my - QUIET_MODULES) * modules + mx - QUIET_MODULES] == Color::Dark
    };
    // Greyscale at 1 bit per pixel (1 is white), each row after filter byte 0 (none).
    let row_bytes = size.div_ceil(8);
    let mut raw = Vec::with_capacity(size * (row_bytes + 1));
    for y in 0..size {
        raw.push(0);
        for byte in 0..row_bytes {
            let mut bits = 0u8;
            for bit in 0..8 {
                let x = byte * 8 + bit;
                if x >= size || !dark(x, y) {
                    bits |= 0x80 >> bit;
                }
            }
            raw.push(bits);
        }
    }
    Some(png(size as u32, &raw))
}

/// A PNG of `size`×`size` 1-bit greyscale pixels from its filtered rows.
fn png(size: u32, raw: &[u8]) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&size.to_be_bytes());
    header.extend_from_slice(&size.to_be_bytes());
    // Bit depth 1, colour type 0 (greyscale), deflate, adaptive filtering, no interlace.
    header.extend_from_slice(&[1, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"IDAT", &zlib_stored(raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream (RFC 1950) of deflate blocks stored without compression (RFC 1951 §3.2.4).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = if data.is_empty() {
        vec![&[]]
    } else {
        data.chunks(usize::from(u16::MAX)).collect()
    };
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &byte in data {
        a = (a + u32::from(byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// CRC-32 (ISO 3309, as PNG uses it), bit by bit: a few kilobytes per device made.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_their_standards() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
    }

    /// The pixels of one of our PNGs, read back from its stored deflate blocks: whether
    /// each is dark, row by row.
    fn pixels(png: &[u8]) -> (usize, Vec<bool>) {
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap()) as usize;
        let idat_len = u32::from_be_bytes(png[33..37].try_into().unwrap()) as usize;
        assert_eq!(&png[37..41], b"IDAT");
        let mut zlib = &png[41 + 2..41 + idat_len - 4];
        let mut raw = Vec::new();
        while !zlib.is_empty() {
            let len = usize::from(u16::from_le_bytes([zlib[1], zlib[2]]));
            raw.extend_from_slice(&zlib[5..5 + len]);
            zlib = &zlib[5 + len..];
        }
        let row_bytes = width.div_ceil(8) + 1;
        let dark = (0..width * width)
            .map(|i| {
                let (x, y) = (i % width, i / width);
                raw[y * row_bytes + 1 + x / 8] & (0x80 >> (x % 8)) == 0
            })
            .collect();
        (width, dark)
    }

    #[test]
    fn the_qr_code_reads_back_as_the_text_it_was_made_of() {
        let uri = "otpauth://totp/mia-phone@000000000000?secret=MZXW6YTBOI";
        let (width, dark) = pixels(&qr_png(uri).unwrap());
        let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, width, |x, y| {
            if dark[y * width + x] { 0 } else { 255 }
        });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].decode().unwrap().1, uri);
    }

    #[test]
    fn the_png_has_its_header_and_one_pixel_row_per_line() {
        let png = qr_png("otpauth://totp/x@000000000000?secret=ABC").unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"));
        assert!(png.ends_with(b"IEND\xae\x42\x60\x82"));
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap()) as usize;
        assert_eq!(width % SCALE, 0);
        // The stored deflate data holds each row: a filter byte and the packed pixels.
        let idat_len = u32::from_be_bytes(png[33..37].try_into().unwrap()) as usize;
        let rows = width * (width.div_ceil(8) + 1);
        assert_eq!(idat_len, 2 + 5 * rows.div_ceil(65535) + rows + 4);
    }
}
