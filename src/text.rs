//! Splitting at one ASCII byte. SigV4's texts and ARNs are short and split often (about 30
//! times a request); `str::split(char)` sets up a general searcher for each piece, which cost
//! more than the pieces themselves (BENCHMARKS.md, item 63).

/// `text.split(separator)` for an ASCII separator.
pub(crate) fn split(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    debug_assert!(separator.is_ascii());
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match split_once(current, separator) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// `text.split_once(separator)` for an ASCII separator.
pub(crate) fn split_once(text: &str, separator: u8) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == separator)?;
    // An ASCII byte is a whole character, so both sides are on character boundaries.
    Some((&text[..at], &text[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_str_split() {
        for text in [
            "",
            ";",
            "a",
            "a;b",
            ";a;;b;",
            "é;ü;",
            "content-type;host;x-amz-date",
        ] {
            assert_eq!(
                split(text, b';').collect::<Vec<_>>(),
                text.split(';').collect::<Vec<_>>(),
                "{text:?}"
            );
            assert_eq!(split_once(text, b';'), text.split_once(';'), "{text:?}");
        }
    }
}
