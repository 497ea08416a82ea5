//! Twin of `cracktrader/engine/strict_json.py`: strict RFC 8259 parsing into `Value`
//! (or, zero-copy, into `JsonRef` borrowing from the text).
//!
//! Refused: invalid UTF-8, `NaN`/`Infinity` tokens, duplicate keys (compared after
//! unescaping), lone surrogates, nesting deeper than `MAX_DEPTH` (checked before
//! recursing, so a hostile document can never overflow the stack), trailing data.
//! Integers are read exactly; float tokens become the correctly rounded f64, as
//! Python's `float(token)` does. One grammar builds both value types (`Build`).

use std::borrow::Cow;
use std::collections::HashSet;

use super::canonical::find_special;
use super::value::{JsonRef, Value};

pub const MAX_DEPTH: usize = 32;

/// Objects with more keys than this check duplicates with a hash set (a hostile
/// line with a million keys must not cost a trillion comparisons).
const LINEAR_KEY_CHECK: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: &'static str,
    pub offset: usize,
}

type Parsed<T> = Result<T, JsonError>;

/// How the parser builds the nodes of one value type.
pub trait Build<'a>: Sized {
    type Key: AsRef<str>;
    fn null() -> Self;
    fn boolean(value: bool) -> Self;
    fn int(value: i128) -> Self;
    fn big_int(negative: bool) -> Self;
    fn float(value: f64) -> Self;
    fn string(text: Cow<'a, str>) -> Self;
    fn key(text: Cow<'a, str>) -> Self::Key;
    fn array(items: Vec<Self>) -> Self;
    fn object(pairs: Vec<(Self::Key, Self)>) -> Self;
}

impl<'a> Build<'a> for Value {
    type Key = String;
    fn null() -> Self {
        Value::Null
    }
    fn boolean(value: bool) -> Self {
        Value::Bool(value)
    }
    fn int(value: i128) -> Self {
        Value::Int(value)
    }
    fn big_int(negative: bool) -> Self {
        Value::BigInt { negative }
    }
    fn float(value: f64) -> Self {
        Value::Float(value)
    }
    fn string(text: Cow<'a, str>) -> Self {
        Value::Str(text.into_owned())
    }
    fn key(text: Cow<'a, str>) -> String {
        text.into_owned()
    }
    fn array(items: Vec<Self>) -> Self {
        Value::Array(items)
    }
    fn object(pairs: Vec<(String, Self)>) -> Self {
        Value::Object(pairs)
    }
}

impl<'a> Build<'a> for JsonRef<'a> {
    type Key = Cow<'a, str>;
    fn null() -> Self {
        JsonRef::Null
    }
    fn boolean(value: bool) -> Self {
        JsonRef::Bool(value)
    }
    fn int(value: i128) -> Self {
        JsonRef::Int(value)
    }
    fn big_int(negative: bool) -> Self {
        JsonRef::BigInt { negative }
    }
    fn float(value: f64) -> Self {
        JsonRef::Float(value)
    }
    fn string(text: Cow<'a, str>) -> Self {
        JsonRef::Str(text)
    }
    fn key(text: Cow<'a, str>) -> Cow<'a, str> {
        text
    }
    fn array(items: Vec<Self>) -> Self {
        JsonRef::Array(items)
    }
    fn object(pairs: Vec<(Cow<'a, str>, Self)>) -> Self {
        JsonRef::Object(pairs)
    }
}

fn utf8(bytes: &[u8]) -> Parsed<&str> {
    std::str::from_utf8(bytes).map_err(|e| JsonError { message: "invalid UTF-8", offset: e.valid_up_to() })
}

/// Parse one JSON document from bytes.
pub fn parse_bytes(bytes: &[u8]) -> Parsed<Value> {
    parse_str(utf8(bytes)?)
}

/// Parse one JSON document from text.
pub fn parse_str(text: &str) -> Parsed<Value> {
    parse_as(text)
}

/// Parse one JSON document from bytes without copying its strings (zero-copy).
pub fn parse_bytes_ref(bytes: &[u8]) -> Parsed<JsonRef<'_>> {
    parse_as(utf8(bytes)?)
}

fn parse_as<'a, B: Build<'a>>(text: &'a str) -> Parsed<B> {
    let mut parser = Parser { bytes: text.as_bytes(), text, pos: 0 };
    parser.skip_ws();
    let value = parser.value::<B>(0)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("extra data after the document"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn error(&self, message: &'static str) -> JsonError {
        JsonError { message, offset: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn bump(&mut self) {
        self.pos = self.pos.saturating_add(1);
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.bump();
        }
    }

    fn expect_literal(&mut self, literal: &'static [u8]) -> Parsed<()> {
        let end = self.pos.saturating_add(literal.len());
        if self.bytes.get(self.pos..end) == Some(literal) {
            self.pos = end;
            Ok(())
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value<B: Build<'a>>(&mut self, depth: usize) -> Parsed<B> {
        match self.peek() {
            Some(b'{') => self.object::<B>(depth.saturating_add(1)),
            Some(b'[') => self.array::<B>(depth.saturating_add(1)),
            Some(b'"') => Ok(B::string(self.string()?)),
            Some(b't') => self.expect_literal(b"true").map(|()| B::boolean(true)),
            Some(b'f') => self.expect_literal(b"false").map(|()| B::boolean(false)),
            Some(b'n') => self.expect_literal(b"null").map(|()| B::null()),
            Some(b'-' | b'0'..=b'9') => self.number::<B>(),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object<B: Build<'a>>(&mut self, depth: usize) -> Parsed<B> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.bump(); // '{'
        // engine objects have up to 14 keys: one allocation instead of four growths
        let mut pairs: Vec<(B::Key, B)> = Vec::with_capacity(16);
        let mut seen: Option<HashSet<Cow<'a, str>>> = None;
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(B::object(pairs));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            let duplicate = match seen.as_mut() {
                Some(set) => !set.insert(key.clone()),
                None => {
                    let duplicate = pairs.iter().any(|(existing, _)| existing.as_ref() == key.as_ref());
                    if pairs.len() >= LINEAR_KEY_CHECK {
                        let mut set: HashSet<Cow<'a, str>> =
                            pairs.iter().map(|(k, _)| Cow::Owned(k.as_ref().to_owned())).collect();
                        set.insert(key.clone());
                        seen = Some(set);
                    }
                    duplicate
                }
            };
            if duplicate {
                return Err(self.error("duplicate key"));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
            }
            self.bump();
            self.skip_ws();
            let value = self.value::<B>(depth)?;
            pairs.push((B::key(key), value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(B::object(pairs));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array<B: Build<'a>>(&mut self, depth: usize) -> Parsed<B> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.bump(); // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(B::array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value::<B>(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(B::array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn string(&mut self) -> Parsed<Cow<'a, str>> {
        self.bump(); // opening quote
        // Fast path: most strings hold no escape, so scan to the closing quote and copy
        // once with the exact capacity (one allocation instead of a growing buffer).
        let begin = self.pos;
        let plain = self
            .bytes
            .get(begin..)
            .and_then(|rest| rest.iter().position(|b| *b == b'"' || *b == b'\\' || *b < 0x20))
            .map(|len| begin.saturating_add(len));
        if let Some(end) = plain {
            if self.bytes.get(end) == Some(&b'"') {
                let text = self.text.get(begin..end).ok_or_else(|| self.error("bad string"))?;
                self.pos = end.saturating_add(1);
                return Ok(Cow::Borrowed(text));
            }
        }
        let mut out = String::new();
        loop {
            let start = self.pos;
            // scan the run up to the next quote, backslash or control character
            let run = self.bytes.get(start..).map_or(0, find_special);
            self.pos = start.saturating_add(run);
            let text: &'a str = self.text;
            let piece = text.get(start..self.pos).ok_or_else(|| self.error("bad string"))?;
            if out.is_empty() && self.peek() == Some(b'"') {
                // the common case: no escape at all, borrowed as it stands
                self.bump();
                return Ok(Cow::Borrowed(piece));
            }
            out.push_str(piece);
            match self.peek() {
                Some(b'"') => {
                    self.bump();
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.bump();
                    let escape = self.peek().ok_or_else(|| self.error("unterminated escape"))?;
                    self.bump();
                    let ch = match escape {
                        b'u' => self.unicode_escape()?,
                        _ => simple_escape(escape).ok_or_else(|| self.error("invalid escape"))?,
                    };
                    out.push(ch);
                }
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    fn unicode_escape(&mut self) -> Parsed<char> {
        let mut pos = self.pos;
        let read = unicode_escape(self.text, &mut pos);
        self.pos = pos;
        read.map_err(|message| self.error(message))
    }

    fn number<B: Build<'a>>(&mut self) -> Parsed<B> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.bump();
        }
        match self.peek() {
            Some(b'0') => self.bump(),
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.bump();
                }
            }
            _ => return Err(self.error("invalid number")),
        }
        let mut is_float = false;
        if self.peek() == Some(b'.') {
            is_float = true;
            self.bump();
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.bump();
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            is_float = true;
            self.bump();
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.bump();
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("invalid number"));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.bump();
            }
        }
        let token = self.text.get(start..self.pos).ok_or_else(|| self.error("invalid number"))?;
        if is_float {
            let value: f64 = token.parse().map_err(|_| self.error("invalid number"))?;
            return Ok(B::float(value));
        }
        // short tokens (nearly all: seq ids, times) fit an i64, whose parse is cheap
        if token.len() <= 18 {
            if let Ok(small) = token.parse::<i64>() {
                return Ok(B::int(i128::from(small)));
            }
        }
        Ok(match token.parse::<i128>() {
            Ok(i) => B::int(i),
            Err(_) => B::big_int(token.starts_with('-')),
        })
    }
}

/// The character a one-letter escape (`\"`, `\n`, ...) stands for; `None` for `u`
/// (see `unicode_escape`) and for every letter JSON does not allow. Shared by this
/// parser and the feeds' tape parser (`feeds::json`).
pub fn simple_escape(letter: u8) -> Option<char> {
    Some(match letter {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{08}',
        b'f' => '\u{0c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        _ => return None,
    })
}

/// The character of a `\uXXXX` escape whose hex digits start at `*pos` in `text`; a
/// high surrogate must be followed by an escaped low surrogate, and the pair makes one
/// character. `*pos` moves past what was read; on a refusal it is where reading
/// stopped (the parsers report it as the error's offset).
pub fn unicode_escape(text: &str, pos: &mut usize) -> Result<char, &'static str> {
    let first = hex4(text, pos)?;
    if (0xD800..0xDC00).contains(&first) {
        // A high surrogate must be followed by an escaped low surrogate.
        if text.as_bytes().get(*pos..pos.saturating_add(2)) == Some(b"\\u") {
            let save = *pos;
            *pos = pos.saturating_add(2);
            let second = hex4(text, pos)?;
            if (0xDC00..0xE000).contains(&second) {
                let combined = 0x10000u32
                    .saturating_add((first.saturating_sub(0xD800)) << 10)
                    .saturating_add(second.saturating_sub(0xDC00));
                return char::from_u32(combined).ok_or("invalid surrogate pair");
            }
            *pos = save;
        }
        return Err("lone surrogate");
    }
    char::from_u32(first).ok_or("lone surrogate")
}

/// Four hex digits at `*pos` (moved past them only when they are valid).
fn hex4(text: &str, pos: &mut usize) -> Result<u32, &'static str> {
    let end = pos.saturating_add(4);
    let digits = text.get(*pos..end).ok_or("short \\u escape")?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("invalid \\u escape");
    }
    let code = u32::from_str_radix(digits, 16).map_err(|_| "invalid \\u escape")?;
    *pos = end;
    Ok(code)
}

/// Split JSON lines (a final empty segment after the last newline is not a line).
pub fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    lines(data).collect()
}

/// Index of the first `\n`, eight bytes at a time (lines are hundreds of bytes long).
fn find_newline(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut offset = 0usize;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word) ^ ONES.wrapping_mul(u64::from(b'\n'));
        let mask = x.wrapping_sub(ONES) & !x & HIGHS;
        if mask != 0 {
            return Some(offset.saturating_add((mask.trailing_zeros() / 8) as usize));
        }
        offset = offset.saturating_add(8);
    }
    chunks.remainder().iter().position(|b| *b == b'\n').map(|i| offset.saturating_add(i))
}

/// The lines of `data`, lazily (same rule as `split_lines`).
pub fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(data);
    std::iter::from_fn(move || {
        let current = rest?;
        match find_newline(current) {
            Some(end) => {
                rest = current.get(end.saturating_add(1)..);
                current.get(..end)
            }
            None => {
                rest = None;
                // a final empty segment after the last newline is not a line
                (!current.is_empty()).then_some(current)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_exact_values() {
        assert_eq!(parse_str("123456789012345678901234567890").unwrap(), Value::Int(123456789012345678901234567890));
        assert_eq!(parse_str("-1e400").unwrap(), Value::Float(f64::NEG_INFINITY));
        assert!(matches!(parse_str("1".repeat(50).as_str()).unwrap(), Value::BigInt { negative: false }));
        assert_eq!(parse_str(" \"\\ud83d\\ude00\" ").unwrap(), Value::Str("😀".into()));
    }

    #[test]
    fn refuses_what_python_refuses() {
        for bad in [
            "NaN", "Infinity", "-Infinity", "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\udc00x\"",
            "01", "1.", ".5", "+1", "[1,]", "{\"a\":1,}", "\"a\u{1}\"", "[1] x", "", "tru",
        ] {
            assert!(parse_str(bad).is_err(), "{bad:?}");
        }
        assert!(parse_bytes(b"\"\xff\"").is_err());
    }

    #[test]
    fn newline_search_is_exact() {
        for len in 0..30 {
            for at in 0..len {
                let mut bytes = vec![0x0bu8; len];
                bytes[at] = b'\n';
                if at + 1 < len {
                    bytes[len - 1] = b'\n';
                }
                assert_eq!(find_newline(&bytes), Some(at));
            }
            assert_eq!(find_newline(&vec![0x8au8; len]), None);
        }
    }

    #[test]
    fn lines_follow_the_jsonl_rule() {
        assert_eq!(split_lines(b""), Vec::<&[u8]>::new());
        assert_eq!(split_lines(b"\n"), vec![b"" as &[u8]]);
        assert_eq!(split_lines(b"a\nb"), vec![b"a" as &[u8], b"b"]);
        assert_eq!(split_lines(b"a\nb\n"), vec![b"a" as &[u8], b"b"]);
        assert_eq!(split_lines(b"a\n\nb\n\n"), vec![b"a" as &[u8], b"", b"b", b""]);
    }

    #[test]
    fn borrowed_and_owned_parses_agree() {
        let text = r#"{"a":"plain","b":"esc\n\u00e9","c":[1,-2.5,true,null],"d":{"e":123456789012345678901234567890123456789012}}"#;
        let owned = parse_str(text).unwrap();
        let borrowed = parse_bytes_ref(text.as_bytes()).unwrap();
        let JsonRef::Object(pairs) = &borrowed else { panic!("object") };
        assert!(matches!(pairs[0].1, JsonRef::Str(Cow::Borrowed("plain"))));
        assert!(matches!(&pairs[1].1, JsonRef::Str(Cow::Owned(s)) if s == "esc\né"));
        let Value::Object(owned_pairs) = &owned else { panic!("object") };
        assert_eq!(owned_pairs.len(), pairs.len());
        assert_eq!(owned.get("b"), Some(&Value::Str("esc\né".into())));
    }

    #[test]
    fn duplicate_keys_are_found_in_large_objects_too() {
        let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let ok = format!("{{{}}}", many.join(","));
        assert!(parse_str(&ok).is_ok());
        let dup = format!("{{{},\"k3\":0}}", many.join(","));
        assert!(parse_str(&dup).is_err());
        assert!(parse_bytes_ref(dup.as_bytes()).is_err());
        let escaped_dup = format!("{{{},\"k\\u0033\":0}}", many.join(","));
        assert!(parse_str(&escaped_dup).is_err());
        let huge: Vec<String> = (0..200_000).map(|i| format!("\"k{i}\":0")).collect();
        assert!(parse_str(&format!("{{{}}}", huge.join(","))).is_ok());
    }

    #[test]
    fn depth_is_checked_before_recursing() {
        let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert!(parse_str(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
        assert!(parse_str(&deep).is_err());
        let hostile = "[".repeat(1_000_000);
        assert!(parse_str(&hostile).is_err());
    }
}
