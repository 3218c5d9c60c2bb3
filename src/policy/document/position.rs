//! Where each statement sits in the policy text, for `SimulateCustomPolicy`'s
//! `MatchedStatements` (`StartPosition`, `EndPosition`: "the row and column of the beginning
//! / end of the Statement").
//!
//! A pass over text serde_json already accepted: it finds the top-level `"Statement"` (the
//! last one, as serde_json keeps the last of duplicate keys) and records where each
//! statement object opens and closes. Lines and columns count from 1, columns in characters;
//! the start is the `{`, the end the `}`.
//! AWS (observed): a one-line document `{"Version":"2012-10-17","Statement":{…}}` reports its
//! statement at line 1, column 37, which is the `{`, counted from 1.

use std::iter::Peekable;
use std::str::Chars;

use super::Position;

/// The spans of the statements, in order; empty if the text is not shaped as expected.
pub(super) fn statement_spans(json: &str) -> Vec<(Position, Position)> {
    let mut scanner = Scanner {
        chars: json.chars().peekable(),
        line: 1,
        column: 1,
    };
    scanner.top_level().unwrap_or_default()
}

struct Scanner<'a> {
    chars: Peekable<Chars<'a>>,
    /// Where the next character is.
    line: u32,
    column: u32,
}

impl Scanner<'_> {
    fn here(&self) -> Position {
        Position {
            line: self.line,
            column: self.column,
        }
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.chars.next()?;
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
        Some(c)
    }

    fn skip_whitespace(&mut self) {
        while self.chars.peek().is_some_and(|c| c.is_whitespace()) {
            self.bump();
        }
    }

    fn expect(&mut self, expected: char) -> Option<()> {
        self.skip_whitespace();
        (self.bump()? == expected).then_some(())
    }

    fn top_level(&mut self) -> Option<Vec<(Position, Position)>> {
        self.expect('{')?;
        let mut spans = Vec::new();
        loop {
            self.skip_whitespace();
            match self.chars.peek()? {
                '}' => return Some(spans),
                ',' => {
                    self.bump();
                    continue;
                }
                _ => {}
            }
            let key = self.string()?;
            self.expect(':')?;
            self.skip_whitespace();
            if key == "Statement" {
                spans = self.statements()?;
            } else {
                self.skip_value()?;
            }
        }
    }

    /// The value of `"Statement"`: one object, or an array of them.
    fn statements(&mut self) -> Option<Vec<(Position, Position)>> {
        match self.chars.peek()? {
            '{' => Some(vec![self.span()?]),
            '[' => {
                self.bump();
                let mut spans = Vec::new();
                loop {
                    self.skip_whitespace();
                    match self.chars.peek()? {
                        ']' => {
                            self.bump();
                            return Some(spans);
                        }
                        ',' => {
                            self.bump();
                        }
                        '{' => spans.push(self.span()?),
                        _ => self.skip_value()?,
                    }
                }
            }
            _ => {
                self.skip_value()?;
                Some(Vec::new())
            }
        }
    }

    /// Skips an object or array, returning where it opened and closed.
    fn span(&mut self) -> Option<(Position, Position)> {
        let start = self.here();
        self.bump();
        let mut depth = 1;
        loop {
            match *self.chars.peek()? {
                '"' => {
                    self.string()?;
                }
                '{' | '[' => {
                    self.bump();
                    depth += 1;
                }
                '}' | ']' => {
                    let end = self.here();
                    self.bump();
                    depth -= 1;
                    if depth == 0 {
                        return Some((start, end));
                    }
                }
                _ => {
                    self.bump();
                }
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match *self.chars.peek()? {
            '"' => {
                self.string()?;
            }
            '{' | '[' => {
                self.span()?;
            }
            _ => {
                while self
                    .chars
                    .peek()
                    .is_some_and(|c| !matches!(c, ',' | '}' | ']'))
                {
                    self.bump();
                }
            }
        }
        Some(())
    }

    /// A string; its content unescaped only as far as telling `"Statement"` apart needs.
    fn string(&mut self) -> Option<String> {
        (self.bump()? == '"').then_some(())?;
        let mut out = String::new();
        loop {
            match self.bump()? {
                '"' => return Some(out),
                '\\' => {
                    let escaped = self.bump()?;
                    out.push('\\');
                    out.push(escaped);
                }
                c => out.push(c),
            }
        }
    }
}
