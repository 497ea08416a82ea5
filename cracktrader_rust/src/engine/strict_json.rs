//! Twin of `cracktrader/engine/strict_json.py`: strict RFC 8259 parsing into `Value`.
//!
//! Refused: invalid UTF-8, `NaN`/`Infinity` tokens, duplicate keys (compared after
//! unescaping), lone surrogates, nesting deeper than `MAX_DEPTH` (checked before
//! recursing, so a hostile document can never overflow the stack), trailing data.
//! Integers are read exactly; float tokens become the correctly rounded f64, as
//! Python's `float(token)` does.

use super::value::Value;

pub const MAX_DEPTH: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: &'static str,
    pub offset: usize,
}

type Parsed<T> = Result<T, JsonError>;

/// Parse one JSON document from bytes.
pub fn parse_bytes(bytes: &[u8]) -> Parsed<Value> {
    let text = std::str::from_utf8(bytes).map_err(|e| JsonError {
        message: "invalid UTF-8",
        offset: e.valid_up_to(),
    })?;
    parse_str(text)
}

/// Parse one JSON document from text.
pub fn parse_str(text: &str) -> Parsed<Value> {
    let mut parser = Parser { bytes: text.as_bytes(), text, pos: 0 };
    parser.skip_ws();
    let value = parser.value(0)?;
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

    fn expect_literal(&mut self, literal: &'static [u8], value: Value) -> Parsed<Value> {
        let end = self.pos.saturating_add(literal.len());
        if self.bytes.get(self.pos..end) == Some(literal) {
            self.pos = end;
            Ok(value)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Parsed<Value> {
        match self.peek() {
            Some(b'{') => self.object(depth.saturating_add(1)),
            Some(b'[') => self.array(depth.saturating_add(1)),
            Some(b'"') => Ok(Value::Str(self.string()?)),
            Some(b't') => self.expect_literal(b"true", Value::Bool(true)),
            Some(b'f') => self.expect_literal(b"false", Value::Bool(false)),
            Some(b'n') => self.expect_literal(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(self.error("unexpected character")),
            None => Err(self.error("unexpected end of input")),
        }
    }

    fn object(&mut self, depth: usize) -> Parsed<Value> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.bump(); // '{'
        // Venue objects carry a handful of keys: one allocation up front, not three.
        let mut pairs: Vec<(String, Value)> = Vec::with_capacity(8);
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.bump();
            return Ok(Value::Object(pairs));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            if pairs.iter().any(|(existing, _)| *existing == key) {
                return Err(self.error("duplicate key"));
            }
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.error("expected ':'"));
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
                    return Ok(Value::Object(pairs));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Parsed<Value> {
        if depth > MAX_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        self.bump(); // '['
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.bump();
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.bump(),
                Some(b']') => {
                    self.bump();
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let end = self.pos.saturating_add(4);
        let digits = self.text.get(self.pos..end).ok_or_else(|| self.error("short \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("invalid \\u escape"));
        }
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos = end;
        Ok(code)
    }

    fn string(&mut self) -> Parsed<String> {
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
                return Ok(text.to_owned());
            }
        }
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.bump();
            }
            out.push_str(self.text.get(start..self.pos).ok_or_else(|| self.error("bad string"))?);
            match self.peek() {
                Some(b'"') => {
                    self.bump();
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.bump();
                    let escape = self.peek().ok_or_else(|| self.error("unterminated escape"))?;
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
                        b'u' => {
                            let ch = self.unicode_escape()?;
                            out.push(ch);
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
                None => return Err(self.error("unterminated string")),
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
                    return char::from_u32(combined).ok_or_else(|| self.error("invalid surrogate pair"));
                }
                self.pos = save;
            }
            return Err(self.error("lone surrogate"));
        }
        char::from_u32(first).ok_or_else(|| self.error("lone surrogate"))
    }

    fn number(&mut self) -> Parsed<Value> {
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
            return Ok(Value::Float(value));
        }
        Ok(match token.parse::<i128>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::BigInt { negative: token.starts_with('-') },
        })
    }
}

/// Split JSON lines (a final empty segment after the last newline is not a line).
pub fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
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
    fn depth_is_checked_before_recursing() {
        let ok = format!("{}{}", "[".repeat(32), "]".repeat(32));
        assert!(parse_str(&ok).is_ok());
        let deep = format!("{}{}", "[".repeat(33), "]".repeat(33));
        assert!(parse_str(&deep).is_err());
        let hostile = "[".repeat(1_000_000);
        assert!(parse_str(&hostile).is_err());
    }
}
