//! Zero-copy strict JSON for feed frames: the grammar and refusals of
//! `engine::strict_json` (RFC 8259; no `NaN`/`Infinity`; no duplicate keys, compared
//! after unescaping; no lone surrogates; depth <= `MAX_DEPTH`, checked before
//! recursing; no trailing data; exact integers), parsed into a flat tape of 12-byte
//! tokens that point into the frame instead of a tree of owned values. Strings are
//! copied only when they hold an escape; numbers are validated while scanning but
//! converted only when a reader asks (an ignored `info` field costs no float parse).
//! A frame of a hundred trades costs one or two allocations.
//!
//! Limit: token offsets are `u32`, so a frame of 4 GiB or more is refused (counted as
//! `invalid_json`) where Python's reader would accept it; no venue sends such frames.
//!
//! The Python side has no twin: it reads frames with `strict_json.loads`;
//! `tests::agrees_with_strict_json` holds the two Rust readers to the same verdicts and
//! values.

use crate::engine::strict_json::{self, MAX_DEPTH};
use crate::engine::value::Value;

/// One token of the tape (offsets are byte positions in the frame). Containers record
/// the index just past their last token, so a reader skips a whole value in one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Null,
    Bool(bool),
    /// A number token, grammar-checked; `float` when it has a fraction or exponent.
    Num { start: u32, end: u32, float: bool },
    /// A string without escapes: the bytes between the quotes.
    Str { start: u32, end: u32 },
    /// A string with escapes, decoded into the tape's side table.
    Escaped { index: u32 },
    /// An object key (plain or escaped); its value's tokens follow.
    Key { start: u32, end: u32 },
    KeyEscaped { index: u32 },
    Array { end: u32 },
    Object { end: u32 },
}

/// A number as a reader sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i128),
    BigInt { negative: bool },
    Float(f64),
}

/// A parsed document.
#[derive(Debug, Clone, PartialEq)]
pub struct Tape<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    escaped: Vec<String>,
}

impl<'a> Tape<'a> {
    /// The document's top-level value.
    pub fn root(&self) -> Node<'_, 'a> {
        Node { tape: self, at: 0 }
    }

    fn slice(&self, start: u32, end: u32) -> &str {
        self.text.get(start as usize..end as usize).unwrap_or("")
    }

    fn escaped(&self, index: u32) -> &str {
        self.escaped.get(index as usize).map_or("", String::as_str)
    }

    fn key_at(&self, at: usize) -> Option<&str> {
        match self.toks.get(at) {
            Some(Tok::Key { start, end }) => Some(self.slice(*start, *end)),
            Some(Tok::KeyEscaped { index }) => Some(self.escaped(*index)),
            _ => None,
        }
    }

    /// Index just past the value starting at `at`.
    fn skip(&self, at: usize) -> usize {
        match self.toks.get(at) {
            Some(Tok::Array { end } | Tok::Object { end }) => *end as usize,
            _ => at.saturating_add(1),
        }
    }
}

/// A value inside a tape.
#[derive(Debug, Clone, Copy)]
pub struct Node<'t, 'a> {
    tape: &'t Tape<'a>,
    at: usize,
}

impl<'t, 'a> Node<'t, 'a> {
    pub fn tok(&self) -> Option<Tok> {
        self.tape.toks.get(self.at).copied()
    }

    pub fn is_array(&self) -> bool {
        matches!(self.tok(), Some(Tok::Array { .. }))
    }

    pub fn is_object(&self) -> bool {
        matches!(self.tok(), Some(Tok::Object { .. }))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.tok(), Some(Tok::Null))
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&'t str> {
        match self.tok()? {
            Tok::Str { start, end } => Some(self.tape.slice(start, end)),
            Tok::Escaped { index } => Some(self.tape.escaped(index)),
            _ => None,
        }
    }

    /// The value of a number (converted now: the tape keeps only its text).
    pub fn as_number(&self) -> Option<Number> {
        let Tok::Num { start, end, float } = self.tok()? else { return None };
        let token = self.tape.slice(start, end);
        Some(if float {
            // a grammar-checked token always parses (overflow gives an infinity)
            Number::Float(token.parse::<f64>().unwrap_or(f64::NAN))
        } else {
            match token.parse::<i128>() {
                Ok(i) => Number::Int(i),
                Err(_) => Number::BigInt { negative: token.starts_with('-') },
            }
        })
    }

    /// Array elements (nothing for other values).
    pub fn elements(&self) -> Elements<'t, 'a> {
        let (next, end) = if self.is_array() { (self.at.saturating_add(1), self.tape.skip(self.at)) } else { (0, 0) };
        Elements { tape: self.tape, next, end }
    }

    /// Object entries in document order (nothing for other values).
    pub fn entries(&self) -> Entries<'t, 'a> {
        let (next, end) = if self.is_object() { (self.at.saturating_add(1), self.tape.skip(self.at)) } else { (0, 0) };
        Entries { tape: self.tape, next, end }
    }

    /// The value of `key` in an object.
    pub fn get(&self, key: &str) -> Option<Node<'t, 'a>> {
        self.entries().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Element `index` of an array.
    pub fn index(&self, index: usize) -> Option<Node<'t, 'a>> {
        self.elements().nth(index)
    }

    /// The owned `Value` with the same content (tests compare the two readers).
    pub fn to_value(&self) -> Value {
        match self.tok() {
            None | Some(Tok::Null | Tok::Key { .. } | Tok::KeyEscaped { .. }) => Value::Null,
            Some(Tok::Bool(b)) => Value::Bool(b),
            Some(Tok::Num { .. }) => match self.as_number() {
                Some(Number::Int(i)) => Value::Int(i),
                Some(Number::BigInt { negative }) => Value::BigInt { negative },
                Some(Number::Float(f)) => Value::Float(f),
                None => Value::Null,
            },
            Some(Tok::Str { .. } | Tok::Escaped { .. }) => Value::Str(self.as_str().unwrap_or("").to_string()),
            Some(Tok::Array { .. }) => Value::Array(self.elements().map(|n| n.to_value()).collect()),
            Some(Tok::Object { .. }) => {
                Value::Object(self.entries().map(|(k, v)| (k.to_string(), v.to_value())).collect())
            }
        }
    }
}

/// Iterator over array elements.
pub struct Elements<'t, 'a> {
    tape: &'t Tape<'a>,
    next: usize,
    end: usize,
}

impl<'t, 'a> Iterator for Elements<'t, 'a> {
    type Item = Node<'t, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let node = Node { tape: self.tape, at: self.next };
        self.next = self.tape.skip(self.next);
        Some(node)
    }
}

/// Iterator over object entries.
pub struct Entries<'t, 'a> {
    tape: &'t Tape<'a>,
    next: usize,
    end: usize,
}

impl<'t, 'a> Iterator for Entries<'t, 'a> {
    type Item = (&'t str, Node<'t, 'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.end {
            return None;
        }
        let key = self.tape.key_at(self.next)?;
        let value_at = self.next.saturating_add(1);
        self.next = self.tape.skip(value_at);
        Some((key, Node { tape: self.tape, at: value_at }))
    }
}

/// The input is not strict JSON (the reason is for debugging only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

type Parsed<T> = Result<T, Refused>;

/// Parse one document from bytes.
pub fn parse(bytes: &[u8]) -> Parsed<Tape<'_>> {
    if u32::try_from(bytes.len()).is_err() {
        return Err(Refused("frame of 4 GiB or more"));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| Refused("invalid UTF-8"))?;
    // About one token per 8 bytes of venue JSON: one allocation for most frames.
    let mut parser =
        Parser { bytes, text, pos: 0, toks: Vec::with_capacity(bytes.len() / 8 + 4), escaped: Vec::new() };
    parser.skip_ws();
    parser.value(0)?;
    parser.skip_ws();
    if parser.pos != bytes.len() {
        return Err(Refused("extra data after the document"));
    }
    Ok(Tape { text, toks: parser.toks, escaped: parser.escaped })
}

/// A string just scanned: its place in the frame, or its decoded text. (The offsets
/// stay `usize` here: writing two `u32` halves and reading them back as one word stalls
/// store forwarding, which cost a quarter of the parse time.)
enum Scanned {
    Plain(usize, usize),
    Decoded(String),
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    toks: Vec<Tok>,
    escaped: Vec<String>,
}

/// A frame position as a `u32` (frames are checked to be shorter than 4 GiB).
fn offset(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn skip_ws(&mut self) {
        let mut pos = self.pos;
        while matches!(self.bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            pos = pos.saturating_add(1);
        }
        self.pos = pos;
    }

    fn literal(&mut self, literal: &'static [u8], tok: Tok) -> Parsed<()> {
        let end = self.pos.saturating_add(literal.len());
        if self.bytes.get(self.pos..end) == Some(literal) {
            self.pos = end;
            self.toks.push(tok);
            Ok(())
        } else {
            Err(Refused("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Parsed<()> {
        match self.peek() {
            Some(b'{') => self.object(depth.saturating_add(1)),
            Some(b'[') => self.array(depth.saturating_add(1)),
            Some(b'"') => {
                let tok = match self.string()? {
                    Scanned::Plain(start, end) => Tok::Str { start: offset(start), end: offset(end) },
                    Scanned::Decoded(text) => Tok::Escaped { index: self.keep(text) },
                };
                self.toks.push(tok);
                Ok(())
            }
            Some(b't') => self.literal(b"true", Tok::Bool(true)),
            Some(b'f') => self.literal(b"false", Tok::Bool(false)),
            Some(b'n') => self.literal(b"null", Tok::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(Refused("unexpected character")),
            None => Err(Refused("unexpected end of input")),
        }
    }

    fn keep(&mut self, text: String) -> u32 {
        self.escaped.push(text);
        offset(self.escaped.len().saturating_sub(1))
    }

    /// Close the container opened at `start`: record where it ends.
    fn close(&mut self, start: usize) {
        let end = offset(self.toks.len());
        if let Some(Tok::Array { end: slot } | Tok::Object { end: slot }) = self.toks.get_mut(start) {
            *slot = end;
        }
    }

    /// The bytes of a scanned string (compared as bytes: both sides are UTF-8).
    fn bytes_of<'s>(&'s self, scanned: &'s Scanned) -> &'s [u8] {
        match scanned {
            Scanned::Plain(start, end) => self.bytes.get(*start..*end).unwrap_or(&[]),
            Scanned::Decoded(text) => text.as_bytes(),
        }
    }

    /// Does the object opened at `start` (still open) already hold `key`?
    fn has_key(&self, start: usize, key: &[u8]) -> bool {
        let mut at = start.saturating_add(1);
        while at < self.toks.len() {
            let existing: &[u8] = match self.toks.get(at) {
                Some(Tok::Key { start, end }) => self.bytes.get(*start as usize..*end as usize).unwrap_or(&[]),
                Some(Tok::KeyEscaped { index }) => self.escaped.get(*index as usize).map_or(&[], |s| s.as_bytes()),
                _ => return false,
            };
            if existing == key {
                return true;
            }
            let value_at = at.saturating_add(1);
            at = match self.toks.get(value_at) {
                Some(Tok::Array { end } | Tok::Object { end }) => *end as usize,
                _ => value_at.saturating_add(1),
            };
        }
        false
    }

    fn object(&mut self, depth: usize) -> Parsed<()> {
        if depth > MAX_DEPTH {
            return Err(Refused("nesting too deep"));
        }
        self.bump(); // '{'
        let start = self.toks.len();
        self.toks.push(Tok::Object { end: 0 });
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.bump();
            self.close(start);
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(Refused("expected a string key"));
            }
            let key = self.string()?;
            if self.has_key(start, self.bytes_of(&key)) {
                return Err(Refused("duplicate key"));
            }
            let tok = match key {
                Scanned::Plain(start, end) => Tok::Key { start: offset(start), end: offset(end) },
                Scanned::Decoded(text) => Tok::KeyEscaped { index: self.keep(text) },
            };
            self.toks.push(tok);
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(Refused("expected ':'"));
            }
            self.bump();
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    self.close(start);
                    return Ok(());
                }
                _ => return Err(Refused("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed<()> {
        if depth > MAX_DEPTH {
            return Err(Refused("nesting too deep"));
        }
        self.bump(); // '['
        let start = self.toks.len();
        self.toks.push(Tok::Array { end: 0 });
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            self.close(start);
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.value(depth)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    self.close(start);
                    return Ok(());
                }
                _ => return Err(Refused("expected ',' or ']'")),
            }
        }
    }

    /// Advance over string bytes that need no attention (not `"`, `\\`, or a control
    /// character), eight at a time: the word tricks flag such a byte exactly at the
    /// lowest flagged position, which is all this needs.
    fn plain_run(&mut self) {
        const ONES: u64 = 0x0101_0101_0101_0101;
        const HIGHS: u64 = 0x8080_8080_8080_8080;
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        let mut run = 0usize;
        let mut chunks = rest.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
            let quote = word ^ (ONES.wrapping_mul(u64::from(b'"')));
            let slash = word ^ (ONES.wrapping_mul(u64::from(b'\\')));
            let zero_in = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
            let control = word.wrapping_sub(ONES.wrapping_mul(0x20)) & !word & HIGHS;
            let flagged = zero_in(quote) | zero_in(slash) | control;
            if flagged != 0 {
                run = run.saturating_add((flagged.trailing_zeros() / 8) as usize);
                self.pos = self.pos.saturating_add(run);
                return;
            }
            run = run.saturating_add(8);
        }
        let tail = chunks.remainder();
        run = run.saturating_add(
            tail.iter().position(|b| *b == b'"' || *b == b'\\' || *b < 0x20).unwrap_or(tail.len()),
        );
        self.pos = self.pos.saturating_add(run);
    }

    fn string(&mut self) -> Parsed<Scanned> {
        self.bump(); // opening quote
        let begin = self.pos;
        self.plain_run();
        match self.peek() {
            // The frame is valid UTF-8 and the run stops at an ASCII byte, so the plain
            // text is a whole string slice; it is only sliced when a reader asks for it.
            Some(b'"') => {
                let plain = Scanned::Plain(begin, self.pos);
                self.bump();
                return Ok(plain);
            }
            Some(b'\\') => {}
            Some(_) => return Err(Refused("control character in string")),
            None => return Err(Refused("unterminated string")),
        }
        let head = self.text.get(begin..self.pos).ok_or(Refused("bad string"))?;
        let mut out = String::with_capacity(head.len().saturating_add(16));
        out.push_str(head);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.bump();
                    return Ok(Scanned::Decoded(out));
                }
                Some(b'\\') => {
                    self.bump();
                    let escape = self.peek().ok_or(Refused("unterminated escape"))?;
                    self.bump();
                    let ch = match escape {
                        b'u' => self.unicode_escape()?,
                        _ => strict_json::simple_escape(escape).ok_or(Refused("invalid escape"))?,
                    };
                    out.push(ch);
                }
                Some(b) if b < 0x20 => return Err(Refused("control character in string")),
                Some(_) => {
                    let start = self.pos;
                    self.plain_run();
                    out.push_str(self.text.get(start..self.pos).ok_or(Refused("bad string"))?);
                }
                None => return Err(Refused("unterminated string")),
            }
        }
    }

    fn unicode_escape(&mut self) -> Parsed<char> {
        strict_json::unicode_escape(self.text, &mut self.pos).map_err(Refused)
    }

    fn digits(&mut self) {
        let mut pos = self.pos;
        while matches!(self.bytes.get(pos), Some(b'0'..=b'9')) {
            pos = pos.saturating_add(1);
        }
        self.pos = pos;
    }

    fn number(&mut self) -> Parsed<()> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Refused("invalid number")),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            is_float = true;
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Refused("invalid number"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            is_float = true;
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(Refused("invalid number"));
            }
            self.digits();
        }
        self.toks.push(Tok::Num { start: offset(start), end: offset(self.pos), float: is_float });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::strict_json;

    /// Documents that probe every refusal and every value shape.
    const CORPUS: &[&str] = &[
        "null", "true", "false", "0", "-0", "12", "-1.5e3", "1E400", "-1e-400", "0.1",
        "123456789012345678901234567890", "1701411834604692317316873037158841057281234",
        "\"\"", "\"a\\\"b\\\\c\\/\\b\\f\\n\\r\\t\"", "\"\\u00e9\\ud83d\\ude00x\"", "\"\u{e9}\u{1F600}\"",
        "[]", "{}", "[1,[2,[3]]]", "{\"a\":{\"b\":[null,{\"c\":1}]}}", " \t\n[ 1 , 2 ]\r\n",
        "{\"a\":1,\"b\":2}", "{\"a\":1,\"\\u0061\":2}", "{\"a\\u0000\":1,\"a\":2}",
        "{\"a\":{\"a\":1},\"b\":{\"a\":2}}", "{\"a\":[{\"b\":1}],\"b\":2}", "{\"x\":{},\"x\":[]}",
        "NaN", "Infinity", "-Infinity", "nan", "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\udc00x\"",
        "\"\\ud800\\u0041\"", "01", "1.", ".5", "+1", "-", "1e", "1e+", "[1,]", "{\"a\":1,}",
        "\"a\u{1}\"", "[1] x", "", " ", "tru", "nul", "[", "{", "{\"a\"}", "{\"a\":}", "{1:2}",
        "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"unterminated", "[1 2]", "{\"a\":1 \"b\":2}",
    ];

    fn same(text: &[u8]) {
        let reference = strict_json::parse_bytes(text);
        let ours = parse(text);
        match (&reference, &ours) {
            (Ok(a), Ok(b)) => assert_eq!(*a, b.root().to_value(), "{:?}", String::from_utf8_lossy(text)),
            (Err(_), Err(_)) => {}
            _ => panic!("verdicts differ on {:?}: {reference:?} vs {ours:?}", String::from_utf8_lossy(text)),
        }
    }

    #[test]
    fn agrees_with_strict_json() {
        for text in CORPUS {
            same(text.as_bytes());
        }
        same(b"\"\xff\"");
        same(b"[\"\xc3\"]");
        for depth in [31usize, 32, 33, 200] {
            same(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).as_bytes());
            same(format!("{}1{}", "{\"k\":".repeat(depth), "}".repeat(depth)).as_bytes());
        }
        same("[".repeat(100_000).as_bytes());
    }

    #[test]
    fn agrees_on_generated_documents() {
        // Splice fragments of the corpus together: many near-valid documents.
        let pieces: Vec<&str> = CORPUS.iter().copied().chain([",", ":", "[", "]", "{", "}", "\""]).collect();
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut doc = String::new();
            let mut s = state;
            for _ in 0..(s % 6) + 1 {
                doc.push_str(pieces[(s % pieces.len() as u64) as usize]);
                s /= 7;
            }
            same(doc.as_bytes());
            same(format!("[{doc}]").as_bytes());
            same(format!("{{\"k\":{doc}}}").as_bytes());
            same(format!("{{\"k\":{doc},\"k\":1}}").as_bytes());
        }
    }

    #[test]
    fn navigation_and_borrowing() {
        let tape = parse(br#"{"price":"1.5","id":"a\nb","rows":[[1,2],[3e0]],"n":null}"#).unwrap();
        let root = tape.root();
        assert!(matches!(root.get("price").and_then(|n| n.tok()), Some(Tok::Str { .. })));
        assert_eq!(root.get("price").and_then(|n| n.as_str()), Some("1.5"));
        assert!(matches!(root.get("id").and_then(|n| n.tok()), Some(Tok::Escaped { .. })));
        assert_eq!(root.get("id").and_then(|n| n.as_str()), Some("a\nb"));
        let rows = root.get("rows").unwrap();
        assert_eq!(rows.elements().count(), 2);
        assert_eq!(rows.index(1).and_then(|r| r.index(0)).and_then(|n| n.as_number()), Some(Number::Float(3.0)));
        assert_eq!(rows.index(0).and_then(|r| r.index(1)).and_then(|n| n.as_number()), Some(Number::Int(2)));
        assert!(root.get("n").unwrap().is_null() && root.get("missing").is_none());
        assert_eq!(root.entries().map(|(k, _)| k).collect::<Vec<_>>(), ["price", "id", "rows", "n"]);
    }
}
