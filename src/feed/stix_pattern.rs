//! The STIX 2.x patterning language: a recursive-descent parser for the whole grammar
//! (OASIS `STIXPattern.g4`) and the compiler of its single-observable subset to indicators.
//!
//! The parser accepts every construct of the grammar: observation expressions joined by
//! `FOLLOWEDBY`, `OR`, `AND` (in rising precedence), the `START t'..' STOP t'..'`, `WITHIN n
//! SECONDS` and `REPEATS n TIMES` qualifiers, comparison expressions with `OR`/`AND` and
//! parentheses, `NOT`, `EXISTS`, all comparison operators, object paths with quoted steps and
//! list indexes, and string (`\'` and `\\` escapes only), integer, float, boolean, hex (`h'..'`),
//! binary (`b'..'`) and timestamp (`t'..'`) literals; `/* */` and `//` comments; keywords are
//! uppercase only. Nesting deeper than [`MAX_DEPTH`] is an error (never a stack overflow).
//! Validation rules beyond the grammar: `WITHIN` must be positive, `REPEATS` at least 1,
//! `START` before `STOP`, no qualifier type twice on one expression, no mixed literal types
//! in an `IN` set.
//!
//! [`compile_pattern`] keeps what can be matched exactly on one log line or packet: an `OR`
//! (at both levels, any nesting) of `=`, `IN`, `ISSUBSET`, `LIKE` and `MATCHES` on
//! `ipv4-addr:value`, `ipv6-addr:value`, `domain-name:value`, `url:value`,
//! `email-addr:value` (and the `email-message` address refs), `network-traffic:src_ref.value`
//! / `dst_ref.value` (also ANDed with the matching `_port`: an `ip:port` indicator), and
//! `file:hashes.*` / `x509-certificate:hashes.*` for MD5, SHA-1, SHA-256 and SHA-512.
//! `START/STOP` narrows the indicator's validity window. Everything else (observation `AND`,
//! `FOLLOWEDBY`, `WITHIN`, `REPEATS`, negation, ordering operators, other paths, `AND` of
//! comparisons) is reported with a reason and not loaded.
//!
//! Deliberate differences from the OASIS reference matcher (see SPEC.md): values are
//! normalized (IPs compared as addresses, domains and emails case-insensitive, URL match
//! keys, hex case-insensitive); `=` on a CIDR string loads the network; `domain-name:value
//! = 'x'` matches x exactly while `LIKE '%.x'` loads x with its subdomains (x itself
//! included); other `LIKE` patterns and `MATCHES` become regexes whose `^`/`$` anchor at the
//! token's boundaries in the line.

use crate::indicator::{Kind, Value, DEFAULT_REGEX_SIZE_LIMIT};
use crate::time::Timestamp;
use std::fmt;

/// Deepest nesting of parentheses and brackets accepted.
pub const MAX_DEPTH: usize = 64;

/// A parsed pattern: observation expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum Observation {
    /// `[ comparison ]`.
    Comparison(Comparison),
    /// `a OR b OR ...`.
    Or(Vec<Observation>),
    /// `a AND b AND ...` (distinct observations).
    And(Vec<Observation>),
    /// `a FOLLOWEDBY b ...`.
    FollowedBy(Vec<Observation>),
    /// An expression with a qualifier.
    Qualified(Box<Observation>, Qualifier),
}

/// A qualifier of an observation expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Qualifier {
    /// `START t1 STOP t2`.
    StartStop(Timestamp, Timestamp),
    /// `WITHIN n SECONDS`.
    Within(f64),
    /// `REPEATS n TIMES`.
    Repeats(u64),
}

/// A comparison expression (inside brackets).
#[derive(Clone, Debug, PartialEq)]
pub enum Comparison {
    /// `a OR b ...`.
    Or(Vec<Comparison>),
    /// `a AND b ...` (one object must satisfy all).
    And(Vec<Comparison>),
    /// `path [NOT] op literal`.
    Test(Test),
    /// `[NOT] EXISTS path`.
    Exists {
        /// `NOT EXISTS`.
        negated: bool,
        /// The property.
        path: ObjectPath,
    },
}

/// One property test.
#[derive(Clone, Debug, PartialEq)]
pub struct Test {
    /// The property.
    pub path: ObjectPath,
    /// `NOT` before the operator.
    pub negated: bool,
    /// The operator.
    pub op: Op,
    /// The right-hand side (a [`Literal::Set`] for `IN`).
    pub rhs: Literal,
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `=` or `==`.
    Eq,
    /// `!=` or `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `IN (..)`.
    In,
    /// `LIKE`.
    Like,
    /// `MATCHES`.
    Matches,
    /// `ISSUBSET`.
    IsSubset,
    /// `ISSUPERSET`.
    IsSuperset,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::In => "IN",
            Op::Like => "LIKE",
            Op::Matches => "MATCHES",
            Op::IsSubset => "ISSUBSET",
            Op::IsSuperset => "ISSUPERSET",
        })
    }
}

/// A literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    /// `'text'`.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// `true` / `false`.
    Bool(bool),
    /// `h'..'`.
    Hex(Vec<u8>),
    /// `b'..'` (base64 text, not decoded).
    Binary(String),
    /// `t'..'`.
    Timestamp(Timestamp),
    /// `( lit, lit... )` for `IN`.
    Set(Vec<Literal>),
}

impl Literal {
    fn type_name(&self) -> &'static str {
        match self {
            Literal::Str(_) => "string",
            Literal::Int(_) => "integer",
            Literal::Float(_) => "float",
            Literal::Bool(_) => "boolean",
            Literal::Hex(_) => "hex",
            Literal::Binary(_) => "binary",
            Literal::Timestamp(_) => "timestamp",
            Literal::Set(_) => "set",
        }
    }
}

/// `type:step.step[idx]...`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectPath {
    /// The object type (`ipv4-addr`).
    pub object_type: String,
    /// The property steps.
    pub steps: Vec<Step>,
}

/// One step of an object path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A property name.
    Prop(String),
    /// A list index; `None` is `[*]`.
    Index(Option<i64>),
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        for (i, s) in self.steps.iter().enumerate() {
            match s {
                Step::Prop(p) if i == 0 => write!(f, "{p}")?,
                Step::Prop(p) => write!(f, ".{p}")?,
                Step::Index(Some(n)) => write!(f, "[{n}]")?,
                Step::Index(None) => write!(f, "[*]")?,
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------- lexer

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    LBrack,
    RBrack,
    LParen,
    RParen,
    Comma,
    Colon,
    Dot,
    Star,
    Op(Op),
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Hex(Vec<u8>),
    Bin(String),
    Bool(bool),
    Ts(Timestamp),
    Eof,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::LBrack => "'['".into(),
        Tok::RBrack => "']'".into(),
        Tok::LParen => "'('".into(),
        Tok::RParen => "')'".into(),
        Tok::Comma => "','".into(),
        Tok::Colon => "':'".into(),
        Tok::Dot => "'.'".into(),
        Tok::Star => "'*'".into(),
        Tok::Op(o) => format!("'{o}'"),
        Tok::Ident(s) => format!("{:?}", crate::error::truncate(s, 30)),
        Tok::Str(s) => format!("string '{}'", crate::error::truncate(s, 30)),
        Tok::Int(i) => format!("integer {i}"),
        Tok::Float(x) => format!("number {x}"),
        Tok::Hex(_) => "hex literal".into(),
        Tok::Bin(_) => "binary literal".into(),
        Tok::Bool(b) => format!("{b}"),
        Tok::Ts(_) => "timestamp literal".into(),
        Tok::Eof => "end of pattern".into(),
    }
}

/// A syntax error: message and 1-based character column.
fn err_at(col: usize, msg: impl fmt::Display) -> String {
    format!("syntax error at column {col}: {msg}")
}

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let mut j = i + 2;
            loop {
                if j + 1 >= chars.len() {
                    return Err(err_at(col, "unterminated /* comment"));
                }
                if chars[j] == '*' && chars[j + 1] == '/' {
                    break;
                }
                j += 1;
            }
            i = j + 2;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' && chars[i] != '\r' {
                i += 1;
            }
            continue;
        }
        let simple = match c {
            '[' => Some(Tok::LBrack),
            ']' => Some(Tok::RBrack),
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            ',' => Some(Tok::Comma),
            ':' => Some(Tok::Colon),
            '.' => Some(Tok::Dot),
            '*' => Some(Tok::Star),
            _ => None,
        };
        if let Some(t) = simple {
            toks.push((t, col));
            i += 1;
            continue;
        }
        let next = chars.get(i + 1).copied();
        let op2 = |a: char, b: char| c == a && next == Some(b);
        let op = if op2('=', '=') {
            Some((Op::Eq, 2))
        } else if op2('!', '=') || op2('<', '>') {
            Some((Op::Ne, 2))
        } else if op2('<', '=') {
            Some((Op::Le, 2))
        } else if op2('>', '=') {
            Some((Op::Ge, 2))
        } else if c == '=' {
            Some((Op::Eq, 1))
        } else if c == '<' {
            Some((Op::Lt, 1))
        } else if c == '>' {
            Some((Op::Gt, 1))
        } else {
            None
        };
        if let Some((o, n)) = op {
            toks.push((Tok::Op(o), col));
            i += n;
            continue;
        }
        if c == '\'' {
            let (s, end) = lex_string(&chars, i)?;
            toks.push((Tok::Str(s), col));
            i = end;
            continue;
        }
        if c.is_ascii_digit()
            || ((c == '-' || c == '+') && next.is_some_and(|d| d.is_ascii_digit()))
        {
            let mut j = i + 1;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let mut float = false;
            if chars.get(j) == Some(&'.') && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
                float = true;
                j += 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            let text: String = chars[i..j].iter().collect();
            let tok = if float {
                Tok::Float(
                    text.parse()
                        .map_err(|_| err_at(col, format_args!("bad number {text}")))?,
                )
            } else {
                Tok::Int(
                    text.parse()
                        .map_err(|_| err_at(col, format_args!("integer {text} out of range")))?,
                )
            };
            toks.push((tok, col));
            i = j;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            let mut j = i + 1;
            while j < chars.len()
                && (chars[j].is_ascii_alphanumeric() || chars[j] == '_' || chars[j] == '-')
            {
                j += 1;
            }
            let word: String = chars[i..j].iter().collect();
            if chars.get(j) == Some(&'\'') && matches!(word.as_str(), "t" | "h" | "b") {
                let (s, end) = lex_string(&chars, j)?;
                let tok = match word.as_str() {
                    "t" => Tok::Ts(parse_timestamp(&s).ok_or_else(|| {
                        err_at(
                            col,
                            format_args!(
                                "bad timestamp literal t'{}' (expected YYYY-MM-DDTHH:MM:SS[.frac]Z)",
                                crate::error::truncate(&s, 40)
                            ),
                        )
                    })?),
                    "h" => {
                        let mut out = Vec::new();
                        crate::indicator::normalize::hex_decode(s.as_bytes(), &mut out)
                            .ok_or_else(|| err_at(col, "bad hex literal (pairs of hex digits)"))?;
                        Tok::Hex(out)
                    }
                    _ => {
                        if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
                            return Err(err_at(col, "bad binary literal (base64 expected)"));
                        }
                        Tok::Bin(s)
                    }
                };
                toks.push((tok, col));
                i = end;
                continue;
            }
            let tok = match word.as_str() {
                "true" => Tok::Bool(true),
                "false" => Tok::Bool(false),
                _ => Tok::Ident(word),
            };
            toks.push((tok, col));
            i = j;
            continue;
        }
        return Err(err_at(col, format_args!("unexpected character {c:?}")));
    }
    toks.push((Tok::Eof, chars.len() + 1));
    Ok(toks)
}

/// Lexes `'...'` starting at `chars[start] == '\''`; returns the content and the index after.
fn lex_string(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut s = String::new();
    let mut j = start + 1;
    loop {
        match chars.get(j) {
            None => return Err(err_at(start + 1, "unterminated string literal")),
            Some('\'') => return Ok((s, j + 1)),
            Some('\\') => match chars.get(j + 1) {
                Some(&c @ ('\'' | '\\')) => {
                    s.push(c);
                    j += 2;
                }
                Some(c) => {
                    return Err(err_at(
                        j + 1,
                        format_args!(
                            "bad escape \\{c} in a string literal (only \\' and \\\\ are allowed)"
                        ),
                    ))
                }
                None => return Err(err_at(start + 1, "unterminated string literal")),
            },
            Some(&c) => {
                s.push(c);
                j += 1;
            }
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS(.frac)?Z`, uppercase T and Z, seconds 00-60.
fn parse_timestamp(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() < 20 || b[10] != b'T' || *b.last()? != b'Z' {
        return None;
    }
    if b.len() > 20
        && (b[19] != b'.' || b.len() == 21 || !b[20..b.len() - 1].iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    if b.len() == 20 && b[19] != b'Z' {
        return None;
    }
    Timestamp::parse_rfc3339(s).ok()
}

// ---------------------------------------------------------------- parser

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    depth: usize,
}

const KEYWORDS: &[&str] = &[
    "AND",
    "OR",
    "NOT",
    "FOLLOWEDBY",
    "LIKE",
    "MATCHES",
    "ISSUPERSET",
    "ISSUBSET",
    "EXISTS",
    "LAST",
    "IN",
    "START",
    "STOP",
    "SECONDS",
    "WITHIN",
    "REPEATS",
    "TIMES",
];

impl Parser {
    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::Eof, |t| &t.0)
    }

    fn col(&self) -> usize {
        self.toks.get(self.pos).map_or(0, |t| t.1)
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w == kw)
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn unexpected(&self, wanted: &str) -> String {
        let found = self.peek();
        let mut msg = format!("expected {wanted}, found {}", describe(found));
        if let Tok::Ident(w) = found {
            if KEYWORDS.contains(&w.to_ascii_uppercase().as_str())
                && !KEYWORDS.contains(&w.as_str())
            {
                msg.push_str(" (keywords are uppercase)");
            }
        }
        err_at(self.col(), msg)
    }

    fn expect(&mut self, t: Tok, wanted: &str) -> Result<(), String> {
        if *self.peek() == t {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(wanted))
        }
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err_at(
                self.col(),
                format_args!("nesting deeper than {MAX_DEPTH}"),
            ));
        }
        Ok(())
    }

    fn pattern(&mut self) -> Result<Observation, String> {
        if !matches!(self.peek(), Tok::LBrack | Tok::LParen) {
            return Err(err_at(
                self.col(),
                "a pattern starts with '[' (input is missing square brackets)",
            ));
        }
        let o = self.obs_followed()?;
        if *self.peek() != Tok::Eof {
            return Err(self.unexpected("end of pattern"));
        }
        Ok(o)
    }

    fn obs_followed(&mut self) -> Result<Observation, String> {
        let mut v = vec![self.obs_or()?];
        while self.eat_kw("FOLLOWEDBY") {
            v.push(self.obs_or()?);
        }
        Ok(if v.len() == 1 {
            v.swap_remove(0)
        } else {
            Observation::FollowedBy(v)
        })
    }

    fn obs_or(&mut self) -> Result<Observation, String> {
        let mut v = vec![self.obs_and()?];
        while self.eat_kw("OR") {
            v.push(self.obs_and()?);
        }
        Ok(if v.len() == 1 {
            v.swap_remove(0)
        } else {
            Observation::Or(v)
        })
    }

    fn obs_and(&mut self) -> Result<Observation, String> {
        let mut v = vec![self.obs_qualified()?];
        while self.eat_kw("AND") {
            v.push(self.obs_qualified()?);
        }
        Ok(if v.len() == 1 {
            v.swap_remove(0)
        } else {
            Observation::And(v)
        })
    }

    fn obs_qualified(&mut self) -> Result<Observation, String> {
        let mut o = self.obs_primary()?;
        let mut seen: Vec<&'static str> = Vec::new();
        loop {
            let col = self.col();
            let (name, q) = if self.eat_kw("START") {
                let a = self.timestamp()?;
                if !self.eat_kw("STOP") {
                    return Err(self.unexpected("STOP"));
                }
                let b = self.timestamp()?;
                if a >= b {
                    return Err(err_at(col, "START must be before STOP"));
                }
                ("START/STOP", Qualifier::StartStop(a, b))
            } else if self.eat_kw("WITHIN") {
                let n = match self.bump() {
                    Tok::Int(i) => i as f64,
                    Tok::Float(f) => f,
                    _ => {
                        self.pos -= 1;
                        return Err(self.unexpected("a number of seconds"));
                    }
                };
                if !self.eat_kw("SECONDS") {
                    return Err(self.unexpected("SECONDS"));
                }
                if n <= 0.0 || !n.is_finite() {
                    return Err(err_at(col, "WITHIN needs a positive number of seconds"));
                }
                ("WITHIN", Qualifier::Within(n))
            } else if self.eat_kw("REPEATS") {
                let n = match self.bump() {
                    Tok::Int(i) => i,
                    _ => {
                        self.pos -= 1;
                        return Err(self.unexpected("a repeat count"));
                    }
                };
                if !self.eat_kw("TIMES") {
                    return Err(self.unexpected("TIMES"));
                }
                if n < 1 {
                    return Err(err_at(col, "REPEATS needs a count of at least 1"));
                }
                ("REPEATS", Qualifier::Repeats(n as u64))
            } else {
                return Ok(o);
            };
            if seen.contains(&name) {
                return Err(err_at(col, format_args!("duplicate {name} qualifier")));
            }
            seen.push(name);
            o = Observation::Qualified(Box::new(o), q);
        }
    }

    fn timestamp(&mut self) -> Result<Timestamp, String> {
        match self.bump() {
            Tok::Ts(t) => Ok(t),
            _ => {
                self.pos -= 1;
                Err(self.unexpected("a timestamp literal t'...'"))
            }
        }
    }

    fn obs_primary(&mut self) -> Result<Observation, String> {
        match self.peek() {
            Tok::LBrack => {
                self.pos += 1;
                self.enter()?;
                if *self.peek() == Tok::RBrack {
                    return Err(err_at(self.col(), "empty brackets"));
                }
                let c = self.cmp_or()?;
                self.expect(Tok::RBrack, "']'")?;
                self.depth -= 1;
                Ok(Observation::Comparison(c))
            }
            Tok::LParen => {
                self.pos += 1;
                self.enter()?;
                let o = self.obs_followed()?;
                self.expect(Tok::RParen, "')'")?;
                self.depth -= 1;
                Ok(o)
            }
            _ => Err(self.unexpected("'[' or '('")),
        }
    }

    fn cmp_or(&mut self) -> Result<Comparison, String> {
        let mut v = vec![self.cmp_and()?];
        while self.eat_kw("OR") {
            v.push(self.cmp_and()?);
        }
        Ok(if v.len() == 1 {
            v.swap_remove(0)
        } else {
            Comparison::Or(v)
        })
    }

    fn cmp_and(&mut self) -> Result<Comparison, String> {
        let mut v = vec![self.prop_test()?];
        while self.eat_kw("AND") {
            v.push(self.prop_test()?);
        }
        Ok(if v.len() == 1 {
            v.swap_remove(0)
        } else {
            Comparison::And(v)
        })
    }

    fn prop_test(&mut self) -> Result<Comparison, String> {
        if *self.peek() == Tok::LParen {
            self.pos += 1;
            self.enter()?;
            let c = self.cmp_or()?;
            self.expect(Tok::RParen, "')'")?;
            self.depth -= 1;
            return Ok(c);
        }
        let negated_exists = self.is_kw("NOT")
            && matches!(self.toks.get(self.pos + 1), Some((Tok::Ident(w), _)) if w == "EXISTS");
        if negated_exists || self.is_kw("EXISTS") {
            if negated_exists {
                self.pos += 1;
            }
            self.pos += 1;
            let path = self.object_path()?;
            return Ok(Comparison::Exists {
                negated: negated_exists,
                path,
            });
        }
        let path = self.object_path()?;
        let negated = self.eat_kw("NOT");
        let col = self.col();
        let op = match self.bump() {
            Tok::Op(o) => o,
            Tok::Ident(w) => match w.as_str() {
                "IN" => Op::In,
                "LIKE" => Op::Like,
                "MATCHES" => Op::Matches,
                "ISSUBSET" => Op::IsSubset,
                "ISSUPERSET" => Op::IsSuperset,
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected("a comparison operator"));
                }
            },
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("a comparison operator"));
            }
        };
        let rhs = match op {
            Op::In => self.set()?,
            Op::Like | Op::Matches | Op::IsSubset | Op::IsSuperset => match self.bump() {
                Tok::Str(s) => Literal::Str(s),
                _ => {
                    self.pos -= 1;
                    return Err(self.unexpected(&format!("a string literal after {op}")));
                }
            },
            Op::Eq | Op::Ne => self.primitive()?,
            _ => {
                let l = self.primitive()?;
                if matches!(l, Literal::Bool(_)) {
                    return Err(err_at(
                        col,
                        format_args!("{op} needs an orderable literal, not a boolean"),
                    ));
                }
                l
            }
        };
        Ok(Comparison::Test(Test {
            path,
            negated,
            op,
            rhs,
        }))
    }

    fn primitive(&mut self) -> Result<Literal, String> {
        Ok(match self.bump() {
            Tok::Str(s) => Literal::Str(s),
            Tok::Int(i) => Literal::Int(i),
            Tok::Float(f) => Literal::Float(f),
            Tok::Bool(b) => Literal::Bool(b),
            Tok::Hex(h) => Literal::Hex(h),
            Tok::Bin(b) => Literal::Binary(b),
            Tok::Ts(t) => Literal::Timestamp(t),
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("a literal (quoted with single quotes)"));
            }
        })
    }

    fn set(&mut self) -> Result<Literal, String> {
        let col = self.col();
        self.expect(Tok::LParen, "'(' after IN")?;
        let mut items = Vec::new();
        if *self.peek() != Tok::RParen {
            loop {
                items.push(self.primitive()?);
                if *self.peek() == Tok::Comma {
                    self.pos += 1;
                } else {
                    break;
                }
            }
        }
        self.expect(Tok::RParen, "')' closing the IN set")?;
        if let Some(first) = items.first() {
            if let Some(other) = items.iter().find(|l| l.type_name() != first.type_name()) {
                return Err(err_at(
                    col,
                    format_args!(
                        "IN set mixes {} and {} literals",
                        first.type_name(),
                        other.type_name()
                    ),
                ));
            }
        }
        Ok(Literal::Set(items))
    }

    fn object_path(&mut self) -> Result<ObjectPath, String> {
        let object_type = match self.bump() {
            Tok::Ident(w) if !KEYWORDS.contains(&w.as_str()) => w,
            _ => {
                self.pos -= 1;
                return Err(self.unexpected("an object path such as ipv4-addr:value"));
            }
        };
        self.expect(Tok::Colon, "':' after the object type")?;
        let mut steps = vec![Step::Prop(self.prop_name()?)];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.pos += 1;
                    steps.push(Step::Prop(self.prop_name()?));
                }
                Tok::LBrack => {
                    self.pos += 1;
                    let idx = match self.bump() {
                        Tok::Star => None,
                        Tok::Int(i) => Some(i),
                        _ => {
                            self.pos -= 1;
                            return Err(self.unexpected("a list index or '*'"));
                        }
                    };
                    self.expect(Tok::RBrack, "']' closing the list index")?;
                    steps.push(Step::Index(idx));
                }
                _ => return Ok(ObjectPath { object_type, steps }),
            }
        }
    }

    fn prop_name(&mut self) -> Result<String, String> {
        let col = self.col();
        match self.bump() {
            Tok::Ident(w) if w.contains('-') => Err(err_at(
                col,
                format_args!("property {w:?} has a hyphen and must be quoted ('{w}')"),
            )),
            Tok::Ident(w) => Ok(w),
            Tok::Str(s) => Ok(s),
            _ => {
                self.pos -= 1;
                Err(self.unexpected("a property name"))
            }
        }
    }
}

/// Parses a pattern. Errors are `syntax error at column N: ...` (or a validation error
/// such as `WITHIN 0`).
///
/// ```
/// use linerate::feed::stix_pattern::{parse, Observation};
/// assert!(matches!(parse("[ipv4-addr:value = '1.2.3.4'] OR [url:value = 'x']"), Ok(Observation::Or(_))));
/// assert!(parse("[file:hashes.SHA-256 = 'x']").unwrap_err().contains("quoted"));
/// ```
pub fn parse(pattern: &str) -> Result<Observation, String> {
    let toks = lex(pattern)?;
    let mut p = Parser {
        toks,
        pos: 0,
        depth: 0,
    };
    p.pattern()
}

// ---------------------------------------------------------------- compiler

/// One indicator value a pattern yields.
#[derive(Clone, Debug, PartialEq)]
pub struct Atom {
    /// The value.
    pub value: Value,
    /// For domains: match the name only (`=`), not its subdomains (`LIKE '%.x'`).
    pub exact: bool,
    /// A `START/STOP` window, `[start, stop)`.
    pub window: Option<(Timestamp, Timestamp)>,
}

/// What [`compile_pattern`] kept and what it did not.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Compiled {
    /// The indicator values.
    pub atoms: Vec<Atom>,
    /// One reason per part of the pattern that was not loaded.
    pub skipped: Vec<String>,
}

/// Parses `pattern` and compiles its single-observable subset to indicator values.
///
/// Errors: the pattern does not parse. A pattern that parses but has nothing loadable gives
/// `Ok` with no atoms and the reasons in `skipped`.
///
/// ```
/// use linerate::feed::stix_pattern::compile_pattern;
/// let c = compile_pattern("[domain-name:value = 'Evil.COM' OR ipv4-addr:value ISSUBSET '10.0.0.0/8']").unwrap();
/// assert_eq!(c.atoms.len(), 2);
/// let c = compile_pattern("[ipv4-addr:value != '1.2.3.4']").unwrap();
/// assert!(c.atoms.is_empty() && c.skipped[0].contains("negation"));
/// ```
pub fn compile_pattern(pattern: &str) -> Result<Compiled, String> {
    let ast = parse(pattern)?;
    let mut out = Compiled::default();
    walk_obs(&ast, None, &mut out);
    Ok(out)
}

fn walk_obs(o: &Observation, window: Option<(Timestamp, Timestamp)>, out: &mut Compiled) {
    match o {
        Observation::Comparison(c) => walk_cmp(c, window, out),
        Observation::Or(v) => v.iter().for_each(|x| walk_obs(x, window, out)),
        Observation::And(_) => out
            .skipped
            .push("observation AND needs several observations (stateful): not loaded".into()),
        Observation::FollowedBy(_) => out
            .skipped
            .push("FOLLOWEDBY needs a sequence of observations (stateful): not loaded".into()),
        Observation::Qualified(inner, q) => match q {
            Qualifier::StartStop(a, b) => {
                let w = match window {
                    Some((x, y)) => ((*a).max(x), (*b).min(y)),
                    None => (*a, *b),
                };
                if w.0 >= w.1 {
                    out.skipped
                        .push("nested START/STOP windows do not overlap".into());
                } else {
                    walk_obs(inner, Some(w), out);
                }
            }
            Qualifier::Within(_) => out
                .skipped
                .push("WITHIN qualifier needs observation timing (stateful): not loaded".into()),
            Qualifier::Repeats(_) => out
                .skipped
                .push("REPEATS qualifier needs counting (stateful): not loaded".into()),
        },
    }
}

fn roots(c: &Comparison, into: &mut Vec<String>) {
    match c {
        Comparison::Or(v) | Comparison::And(v) => v.iter().for_each(|x| roots(x, into)),
        Comparison::Test(t) => {
            if !into.contains(&t.path.object_type) {
                into.push(t.path.object_type.clone());
            }
        }
        Comparison::Exists { path, .. } => {
            if !into.contains(&path.object_type) {
                into.push(path.object_type.clone());
            }
        }
    }
}

fn walk_cmp(c: &Comparison, window: Option<(Timestamp, Timestamp)>, out: &mut Compiled) {
    match c {
        Comparison::Or(v) => v.iter().for_each(|x| walk_cmp(x, window, out)),
        Comparison::And(v) => {
            if let Some(value) = endpoint_and(v) {
                out.atoms.push(Atom {
                    value,
                    exact: false,
                    window,
                });
                return;
            }
            let mut rs = Vec::new();
            roots(c, &mut rs);
            if rs.len() > 1 {
                out.skipped.push(format!(
                    "AND across object types {} can never match one object (unsatisfiable): not loaded",
                    rs.join(" and ")
                ));
            } else {
                out.skipped.push(format!(
                    "AND of several {} properties needs fields a log line does not carry: not loaded",
                    rs.first().map_or("", String::as_str)
                ));
            }
        }
        Comparison::Exists { path, .. } => out
            .skipped
            .push(format!("EXISTS {path} is not an indicator: not loaded")),
        Comparison::Test(t) => match test(t) {
            Ok(atoms) => out
                .atoms
                .extend(atoms.into_iter().map(|(value, exact)| Atom {
                    value,
                    exact,
                    window,
                })),
            Err(e) => out.skipped.push(e),
        },
    }
}

/// `network-traffic:dst_ref.value = 'ip' AND network-traffic:dst_port = n` (optionally with
/// `dst_ref.type = 'ipv4-addr'`), or the same for `src_`: one `ip:port` indicator.
fn endpoint_and(v: &[Comparison]) -> Option<Value> {
    let mut ip = None;
    let mut port = None;
    let mut side: Option<&str> = None;
    for c in v {
        let Comparison::Test(t) = c else { return None };
        if t.path.object_type != "network-traffic" || t.negated || t.op != Op::Eq {
            return None;
        }
        let props: Vec<&str> = t
            .path
            .steps
            .iter()
            .map(|s| match s {
                Step::Prop(p) => Some(p.as_str()),
                Step::Index(_) => None,
            })
            .collect::<Option<_>>()?;
        let (s, what) = match props.as_slice() {
            [r, "value"] if *r == "src_ref" || *r == "dst_ref" => (&r[..3], "value"),
            [r, "type"] if *r == "src_ref" || *r == "dst_ref" => (&r[..3], "type"),
            [p] if *p == "src_port" || *p == "dst_port" => (&p[..3], "port"),
            _ => return None,
        };
        if *side.get_or_insert(s) != s {
            return None;
        }
        match (what, &t.rhs) {
            ("value", Literal::Str(x)) if ip.is_none() => ip = Some(x.clone()),
            ("port", Literal::Int(p)) if port.is_none() => port = Some(*p),
            ("type", Literal::Str(x)) if x == "ipv4-addr" || x == "ipv6-addr" => {}
            _ => return None,
        }
    }
    let (ip, port) = (ip?, port?);
    let text = if ip.contains(':') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    Value::parse(Kind::Ip, &text).ok()
}

/// What a supported path holds.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    Ip,
    Domain,
    Url,
    Email,
    /// `network-traffic` refs: an address (or a domain).
    Endpoint,
    Hash(Kind),
}

fn target(path: &ObjectPath) -> Result<Target, String> {
    let props: Vec<&str> = path
        .steps
        .iter()
        .map(|s| match s {
            Step::Prop(p) => p.as_str(),
            Step::Index(_) => "[]",
        })
        .collect();
    let t = path.object_type.as_str();
    Ok(match (t, props.as_slice()) {
        ("ipv4-addr" | "ipv6-addr", ["value"]) => Target::Ip,
        ("domain-name", ["value"]) => Target::Domain,
        ("domain-name", ["resolves_to_refs", ..]) => {
            return Err(format!(
            "{path} needs DNS resolution data (enrichment) a log line does not carry: not loaded"
        ))
        }
        ("url", ["value"]) => Target::Url,
        ("email-addr", ["value"]) => Target::Email,
        ("email-message", ["from_ref" | "sender_ref", "value"])
        | ("email-message", ["to_refs" | "cc_refs" | "bcc_refs", "[]", "value"]) => Target::Email,
        ("network-traffic", ["src_ref" | "dst_ref", "value"]) => Target::Endpoint,
        ("file" | "x509-certificate" | "artifact", ["hashes", alg]) => {
            let norm: String = alg
                .chars()
                .filter(|c| *c != '-' && *c != '_')
                .collect::<String>()
                .to_ascii_uppercase();
            match norm.as_str() {
                "MD5" => Target::Hash(Kind::Md5),
                "SHA1" => Target::Hash(Kind::Sha1),
                "SHA256" => Target::Hash(Kind::Sha256),
                "SHA512" => Target::Hash(Kind::Sha512),
                _ => {
                    return Err(format!(
                        "hash algorithm {:?} cannot be matched by linerate (MD5, SHA-1, SHA-256, SHA-512 only): not loaded",
                        crate::error::truncate(alg, 30)
                    ))
                }
            }
        }
        _ => return Err(format!("unsupported path {path}: not loaded")),
    })
}

fn strings(t: &Test) -> Result<Vec<&str>, String> {
    let bad = |l: &Literal| {
        format!(
            "{} {} expects a string literal, found a {} literal: not loaded",
            t.path,
            t.op,
            l.type_name()
        )
    };
    match &t.rhs {
        Literal::Str(s) => Ok(vec![s.as_str()]),
        Literal::Set(items) => items
            .iter()
            .map(|l| match l {
                Literal::Str(s) => Ok(s.as_str()),
                other => Err(bad(other)),
            })
            .collect(),
        other => Err(bad(other)),
    }
}

fn test(t: &Test) -> Result<Vec<(Value, bool)>, String> {
    if t.negated || t.op == Op::Ne {
        return Err(format!(
            "negation ({}{}) on {} matches everything else, not an indicator: not loaded",
            if t.negated { "NOT " } else { "" },
            t.op,
            t.path
        ));
    }
    if matches!(t.op, Op::Lt | Op::Le | Op::Gt | Op::Ge) {
        return Err(format!(
            "ordering comparison {} on {} is not an indicator: not loaded",
            t.op, t.path
        ));
    }
    if t.op == Op::IsSuperset {
        return Err(format!(
            "ISSUPERSET on {} is not supported: not loaded",
            t.path
        ));
    }
    let tgt = target(&t.path)?;
    let values = strings(t)?;
    if values.is_empty() {
        return Err(format!("{} IN () is an empty set: not loaded", t.path));
    }
    let mut out = Vec::new();
    for s in values {
        let parsed = match (t.op, tgt) {
            (Op::Eq | Op::In, Target::Hash(k)) => Value::parse(k, s).map(|v| (v, false)),
            (Op::Eq | Op::In, Target::Ip) => Value::parse(Kind::Ip, s).map(|v| (v, false)),
            (Op::Eq | Op::In, Target::Domain) => Value::parse(Kind::Domain, s).map(|v| (v, true)),
            (Op::Eq | Op::In, Target::Url) => Value::parse(Kind::Url, s).map(|v| (v, false)),
            (Op::Eq | Op::In, Target::Email) => Value::parse(Kind::Email, s).map(|v| (v, false)),
            (Op::Eq | Op::In, Target::Endpoint) => Value::parse(Kind::Ip, s)
                .or_else(|_| Value::parse(Kind::Domain, s))
                .map(|v| (v, true)),
            (Op::IsSubset, Target::Ip | Target::Endpoint) => {
                Value::parse(Kind::Ip, s).map(|v| (v, false))
            }
            (Op::IsSubset, _) => {
                return Err(format!(
                    "ISSUBSET applies to IP addresses, not {}: not loaded",
                    t.path
                ))
            }
            (Op::Like | Op::Matches, Target::Hash(_)) => {
                return Err(format!(
                    "{} on a hash ({}) is not supported: not loaded",
                    t.op, t.path
                ))
            }
            (Op::Like, _) => like(s, tgt),
            (Op::Matches, _) => matches_regex(s, tgt).map(|v| (v, false)),
            _ => {
                return Err(format!(
                    "{} on {} is not supported: not loaded",
                    t.op, t.path
                ))
            }
        };
        match parsed {
            Ok(v) => out.push(v),
            Err(e) => {
                return Err(format!(
                    "{} {} '{}': {e}",
                    t.path,
                    t.op,
                    crate::error::truncate(s, 60)
                ))
            }
        }
    }
    Ok(out)
}

/// Characters that may stand next to a token of `tgt` in a line (the token's boundaries).
fn boundaries(tgt: Target) -> (&'static str, &'static str, &'static str) {
    match tgt {
        Target::Url => (
            r#"(?:^|[\s"'<>(\[])"#,
            r#"(?:$|[\s"'<>)\]])"#,
            r#"[^\s"'<>]"#,
        ),
        _ => (
            r"(?:^|[^A-Za-z0-9_.\-@])",
            r"(?:$|[^A-Za-z0-9_.\-@])",
            r"[A-Za-z0-9_.\-@+%]",
        ),
    }
}

fn push_escaped(out: &mut String, c: char) {
    if c.is_ascii_punctuation()
        && !matches!(
            c,
            '_' | '@' | '%' | '\'' | '"' | '/' | ',' | ':' | ';' | '=' | '!' | '`'
        )
    {
        out.push('\\');
    }
    out.push(c);
}

/// SQL LIKE → a domain suffix when it is `%.name`, the exact value when it has no wildcard,
/// else a regex over the whole token.
fn like(s: &str, tgt: Target) -> Result<(Value, bool), crate::Error> {
    if tgt == Target::Domain {
        if let Some(rest) = s.strip_prefix("%.") {
            if !rest.contains(['%', '_']) {
                return Value::parse(Kind::Domain, rest).map(|v| (v, false));
            }
        }
    }
    if !s.contains(['%', '_']) {
        let kind = match tgt {
            Target::Ip | Target::Endpoint => Kind::Ip,
            Target::Domain => Kind::Domain,
            Target::Url => Kind::Url,
            Target::Email => Kind::Email,
            Target::Hash(k) => k,
        };
        return Value::parse(kind, s).map(|v| (v, tgt == Target::Domain));
    }
    let (left, right, any) = boundaries(tgt);
    let mut re = String::new();
    if matches!(tgt, Target::Domain | Target::Email) {
        re.push_str("(?i)");
    }
    re.push_str(left);
    for c in s.chars() {
        match c {
            '%' => {
                re.push_str(any);
                re.push('*');
            }
            '_' => re.push_str(any),
            c => push_escaped(&mut re, c),
        }
    }
    re.push_str(right);
    Value::regex(&re, DEFAULT_REGEX_SIZE_LIMIT).map(|v| (v, false))
}

/// MATCHES → the regex, with a leading `^` and a trailing unescaped `$` anchoring at the
/// token's boundaries instead of the line's.
fn matches_regex(s: &str, tgt: Target) -> Result<Value, crate::Error> {
    let (left, right, _) = boundaries(tgt);
    let mut body = s;
    let mut re = String::new();
    if let Some(rest) = body.strip_prefix('^') {
        re.push_str(left);
        body = rest;
    }
    let mut tail = "";
    if let Some(rest) = body.strip_suffix('$') {
        let backslashes = rest.chars().rev().take_while(|&c| c == '\\').count();
        if backslashes % 2 == 0 {
            body = rest;
            tail = right;
        }
    }
    re.push_str("(?:");
    re.push_str(body);
    re.push(')');
    re.push_str(tail);
    Value::regex(&re, DEFAULT_REGEX_SIZE_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: &str) -> String {
        parse(p).expect_err(p)
    }

    #[test]
    fn grammar() {
        for ok in [
            "[ipv4-addr:value = '1.2.3.4']",
            "[ipv4-addr:value == '1.2.3.4'] /* c */ OR // x\n [url:value = 'a']",
            "([a:b = 1] AND [c:d = 2.5]) FOLLOWEDBY [e:f = true] WITHIN 5 SECONDS",
            "[a:b = 'x'] START t'2024-01-01T00:00:00Z' STOP t'2024-01-02T00:00:00.5Z' REPEATS 2 TIMES",
            "[a:'b-c'.d[*].e[0] IN ('x', 'y')]",
            "[a:b IN ()]",
            "[NOT EXISTS a:b AND EXISTS a:c]",
            "[a:b NOT LIKE 'x%' OR (a:c MATCHES '^x' AND a:d ISSUBSET '1.0.0.0/8')]",
            "[a:b = h'00ff' OR a:c = b'AAA=' OR a:d <> -3 OR a:e >= 1 OR a:f < t'2024-01-01T00:00:00Z']",
            "[a:b = 'it\\'s \\\\']",
        ] {
            parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        assert!(err("ipv4-addr:value = '1'").contains("missing square brackets"));
        assert!(err("[ipv4-addr:value = 198.51.100.7]").contains("syntax error"));
        assert!(err("[domain-name:value = \"x\"]").contains("unexpected character"));
        assert!(err("[a:b = 'x'] within 5 seconds").contains("uppercase"));
        assert!(err("[a:b = 'x'] WITHIN 5 MINUTES").contains("SECONDS"));
        assert!(err("[a:b = 'x'] WITHIN 0 SECONDS").contains("positive"));
        assert!(err("[a:b = 'x'] REPEATS 0 TIMES").contains("at least 1"));
        assert!(err("[a:b = 'x'] WITHIN 1 SECONDS WITHIN 2 SECONDS").contains("duplicate"));
        assert!(
            err("[a:b = 'x'] START t'2024-01-02T00:00:00Z' STOP t'2024-01-01T00:00:00Z'")
                .contains("before")
        );
        assert!(
            err("[a:b = 'x'] START t'2024-01-02t00:00:00z' STOP t'2024-01-03T00:00:00Z'")
                .contains("timestamp")
        );
        assert!(err("[a:b IN ('1.1.1.1', 2)]").contains("mixes"));
        assert!(err("[a:b = null]").contains("expected a literal"));
        assert!(err("[a:b = 'x\\n']").contains("escape"));
        assert!(err("[]").contains("empty"));
        assert!(err("[a:b = 'x' AND]").contains("object path"));
        assert!(err("[a:b = 'x'").contains("']'"));
        assert!(err("[a:b =~ 'x']").contains("unexpected character"));
        assert!(err("[a:b = 'x").contains("unterminated"));
        let deep = format!("{}[a:b = 'x']{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&deep).contains("nesting"));
        let deep = format!("[{}a:b = 'x'{}]", "(".repeat(100_000), ")".repeat(100_000));
        assert!(err(&deep).contains("nesting"));
    }

    #[test]
    fn regexes() {
        let c = compile_pattern("[domain-name:value LIKE 'evil._xample']").unwrap();
        let Value::Regex(r) = &c.atoms[0].value else {
            panic!()
        };
        let re = regex_automata::meta::Regex::new(r).unwrap();
        assert!(re.is_match("q evil.example x"));
        assert!(re.is_match("EVIL.Example"));
        assert!(!re.is_match("notevil.example"));
        assert!(!re.is_match("evil.example.com"));
        let c = compile_pattern("[domain-name:value MATCHES '^evil\\\\.']").unwrap();
        let Value::Regex(r) = &c.atoms[0].value else {
            panic!()
        };
        let re = regex_automata::meta::Regex::new(r).unwrap();
        assert!(re.is_match("host=evil.example"));
        assert!(!re.is_match("host=notevil.example"));
    }
}
