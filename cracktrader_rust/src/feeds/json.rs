//! Zero-copy strict JSON for feed frames: the grammar and refusals of
//! `engine::strict_json` (RFC 8259; no `NaN`/`Infinity`; no duplicate keys, compared
//! after unescaping; no lone surrogates; depth <= `MAX_DEPTH`, checked before
//! recursing; no trailing data; exact integers), but strings borrow from the frame
//! unless they hold an escape. A frame of a hundred trades then costs a few
//! allocations instead of a thousand. The Python side has no twin: it reads frames with
//! `strict_json.loads`; `tests::agrees_with_strict_json` holds the two Rust readers to
//! the same verdicts and values.

use std::borrow::Cow;

use crate::engine::strict_json::MAX_DEPTH;
use crate::engine::value::Value;

/// A parsed JSON value borrowing its strings from the input where it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Json<'a> {
    Null,
    Bool(bool),
    Int(i128),
    BigInt { negative: bool },
    Float(f64),
    Str(Cow<'a, str>),
    Array(Vec<Json<'a>>),
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The owned `Value` with the same content (tests compare the two readers).
    pub fn to_value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::Int(*i),
            Json::BigInt { negative } => Value::BigInt { negative: *negative },
            Json::Float(f) => Value::Float(*f),
            Json::Str(s) => Value::Str(s.to_string()),
            Json::Array(items) => Value::Array(items.iter().map(Json::to_value).collect()),
            Json::Object(pairs) => Value::Object(pairs.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect()),
        }
    }
}

/// The input is not strict JSON (the reason is for debugging only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub &'static str);

type Parsed<T> = Result<T, Refused>;

/// Parse one document from bytes.
pub fn parse(bytes: &[u8]) -> Parsed<Json<'_>> {
    let text = std::str::from_utf8(bytes).map_err(|_| Refused("invalid UTF-8"))?;
    let mut parser = Parser { bytes, text, pos: 0 };
    parser.skip_ws();
    let value = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != bytes.len() {
        return Err(Refused("extra data after the document"));
    }
    Ok(value)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
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

    fn literal(&mut self, literal: &'static [u8], value: Json<'a>) -> Parsed<Json<'a>> {
        let end = self.pos.saturating_add(literal.len());
        if self.bytes.get(self.pos..end) == Some(literal) {
            self.pos = end;
            Ok(value)
        } else {
            Err(Refused("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Parsed<Json<'a>> {
        match self.peek() {
            Some(b'{') => self.object(depth.saturating_add(1)),
            Some(b'[') => self.array(depth.saturating_add(1)),
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(b't') => self.literal(b"true", Json::Bool(true)),
            Some(b'f') => self.literal(b"false", Json::Bool(false)),
            Some(b'n') => self.literal(b"null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(Refused("unexpected character")),
            None => Err(Refused("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Parsed<Json<'a>> {
        if depth > MAX_DEPTH {
            return Err(Refused("nesting too deep"));
        }
        self.bump(); // '{'
        let mut pairs: Vec<(Cow<'a, str>, Json<'a>)> = Vec::with_capacity(8);
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Json::Object(pairs));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(Refused("expected a string key"));
            }
            let key = self.string()?;
            if pairs.iter().any(|(existing, _)| *existing == key) {
                return Err(Refused("duplicate key"));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(Refused("expected ':'"));
            }
            self.bump();
            self.skip_ws();
            let value = self.value(depth)?;
            pairs.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b'}') => {
                    self.bump();
                    return Ok(Json::Object(pairs));
                }
                _ => return Err(Refused("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed<Json<'a>> {
        if depth > MAX_DEPTH {
            return Err(Refused("nesting too deep"));
        }
        self.bump(); // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(Json::Array(items));
                }
                _ => return Err(Refused("expected ',' or ']'")),
            }
        }
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let end = self.pos.saturating_add(4);
        let digits = self.text.get(self.pos..end).ok_or(Refused("short \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Refused("invalid \\u escape"));
        }
        let code = u32::from_str_radix(digits, 16).map_err(|_| Refused("invalid \\u escape"))?;
        self.pos = end;
        Ok(code)
    }

    fn string(&mut self) -> Parsed<Cow<'a, str>> {
        self.bump(); // opening quote
        let begin = self.pos;
        while let Some(b) = self.peek() {
            if b == b'"' || b == b'\\' || b < 0x20 {
                break;
            }
            self.bump();
        }
        let head = self.text.get(begin..self.pos).ok_or(Refused("bad string"))?;
        match self.peek() {
            Some(b'"') => {
                self.bump();
                return Ok(Cow::Borrowed(head));
            }
            Some(b'\\') => {}
            Some(_) => return Err(Refused("control character in string")),
            None => return Err(Refused("unterminated string")),
        }
        let mut out = String::with_capacity(head.len().saturating_add(16));
        out.push_str(head);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.bump();
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    self.bump();
                    let escape = self.peek().ok_or(Refused("unterminated escape"))?;
                    self.bump();
                    match escape {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{08}'),
                        b'f' => out.push('\u{0c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => out.push(self.unicode_escape()?),
                        _ => return Err(Refused("invalid escape")),
                    }
                }
                Some(b) if b < 0x20 => return Err(Refused("control character in string")),
                Some(_) => {
                    let start = self.pos;
                    while let Some(b) = self.peek() {
                        if b == b'"' || b == b'\\' || b < 0x20 {
                            break;
                        }
                        self.bump();
                    }
                    out.push_str(self.text.get(start..self.pos).ok_or(Refused("bad string"))?);
                }
                None => return Err(Refused("unterminated string")),
            }
        }
    }

    fn unicode_escape(&mut self) -> Parsed<char> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) {
            // A high surrogate must be followed by an escaped low surrogate.
            if self.bytes.get(self.pos..self.pos.saturating_add(2)) == Some(b"\\u") {
                let save = self.pos;
                self.pos = self.pos.saturating_add(2);
                let second = self.hex4()?;
                if (0xDC00..0xE000).contains(&second) {
                    let combined = 0x10000u32
                        .saturating_add((first.saturating_sub(0xD800)) << 10)
                        .saturating_add(second.saturating_sub(0xDC00));
                    return char::from_u32(combined).ok_or(Refused("invalid surrogate pair"));
                }
                self.pos = save;
            }
            return Err(Refused("lone surrogate"));
        }
        char::from_u32(first).ok_or(Refused("lone surrogate"))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.bump();
        }
    }

    fn number(&mut self) -> Parsed<Json<'a>> {
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
        let token = self.text.get(start..self.pos).ok_or(Refused("invalid number"))?;
        if is_float {
            return token.parse::<f64>().map(Json::Float).map_err(|_| Refused("invalid number"));
        }
        Ok(match token.parse::<i128>() {
            Ok(i) => Json::Int(i),
            Err(_) => Json::BigInt { negative: token.starts_with('-') },
        })
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
        "NaN", "Infinity", "-Infinity", "nan", "{\"a\":1,\"a\":2}", "\"\\ud800\"", "\"\\udc00x\"",
        "\"\\ud800\\u0041\"", "01", "1.", ".5", "+1", "-", "1e", "1e+", "[1,]", "{\"a\":1,}",
        "\"a\u{1}\"", "[1] x", "", " ", "tru", "nul", "[", "{", "{\"a\"}", "{\"a\":}", "{1:2}",
        "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"unterminated", "[1 2]", "{\"a\":1 \"b\":2}",
    ];

    fn same(text: &[u8]) {
        let reference = strict_json::parse_bytes(text);
        let ours = parse(text);
        match (&reference, &ours) {
            (Ok(a), Ok(b)) => assert_eq!(*a, b.to_value(), "{:?}", String::from_utf8_lossy(text)),
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
        }
    }

    #[test]
    fn plain_strings_are_borrowed() {
        let doc = parse(br#"{"price":"1.5","id":"a\nb"}"#).unwrap();
        assert!(matches!(doc.get("price"), Some(Json::Str(Cow::Borrowed("1.5")))));
        assert!(matches!(doc.get("id"), Some(Json::Str(Cow::Owned(_)))));
    }
}
