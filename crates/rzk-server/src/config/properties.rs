//! A reader for Java `.properties` files (`java.util.Properties.load`), the
//! format of `zoo.cfg`, dynamic config files and `/zookeeper/config`.
//!
//! The rules, as the JDK applies them:
//! * natural lines end at `\n`, `\r` or `\r\n`; a line ending in an odd
//!   number of backslashes continues on the next one, whose leading
//!   whitespace is dropped;
//! * leading whitespace (space, tab, form feed) is skipped; blank lines
//!   are dropped, and a `#` or `!` is a comment to the end of its natural
//!   line while the logical line is still empty — so not on the
//!   continuation of a non-empty line;
//! * the key ends at the first unescaped `=`, `:` or whitespace; then
//!   whitespace, at most one `=`/`:`, and whitespace again are skipped; the
//!   rest of the line, trailing whitespace included, is the value;
//! * in keys and values `\t \n \r \f` and `\uXXXX` are escapes, and a
//!   backslash before any other character just yields that character;
//! * a key given twice keeps its last value.
//!
//! `tests/properties_golden.rs` checks this reader against what the JDK
//! makes of 2000 random inputs (`tools/properties-golden/`).
//!
//! `Properties.load(InputStream)` reads bytes as ISO-8859-1, so
//! [`Properties::parse_latin1`] is what a `zoo.cfg` on disk goes through:
//! the same file gives the same strings as under Java, non-ASCII included.

use thiserror::Error;

/// A malformed `\uXXXX` escape (the only error `Properties.load` raises).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: malformed \\uxxxx encoding in {text:?}")]
pub struct PropertiesError {
    /// The 1-based number of the natural line where the logical line starts.
    pub line: usize,
    /// The logical line as read, escapes unprocessed.
    pub text: String,
}

/// Key/value pairs in the order their keys first appeared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Properties {
    entries: Vec<(String, String)>,
}

impl Properties {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses text already decoded to characters.
    pub fn parse(text: &str) -> Result<Self, PropertiesError> {
        let mut props = Self::new();
        for (line, logical) in logical_lines(text) {
            let (raw_key, raw_value) = split_key_value(&logical);
            let err = || PropertiesError {
                line,
                text: logical.iter().collect(),
            };
            let key = unescape(raw_key).ok_or_else(err)?;
            let value = unescape(raw_value).ok_or_else(err)?;
            props.set(key, value);
        }
        Ok(props)
    }

    /// Parses bytes as ISO-8859-1, as `Properties.load(InputStream)` does.
    pub fn parse_latin1(bytes: &[u8]) -> Result<Self, PropertiesError> {
        let text: String = bytes.iter().map(|&b| char::from(b)).collect();
        Self::parse(&text)
    }

    /// Sets `key`, replacing any earlier value in place.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        let key = key.into();
        let value = value.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `key` is set.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Every pair, in order of first appearance.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no key is set.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{c}')
}

/// Splits text into logical lines (continuations joined, comments and
/// blank lines dropped), each with the number of its first natural line.
///
/// This is the JDK's `LineReader` state machine, whose corner cases a
/// structured reading gets wrong: a comment is recognised whenever the
/// logical line is still empty (so also right after a bare `\` line), a
/// logical line that is still empty at a line end is not a line at all,
/// and a lone `\` at end of input yields an empty key.
fn logical_lines(text: &str) -> Vec<(usize, Vec<char>)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_no = 1;
    // Per logical line (a fresh `readLine` call).
    let mut buf: Vec<char> = Vec::new();
    let mut start = 1;
    let mut skip_blanks = true;
    let mut appended = false;
    let mut backslash = false;
    loop {
        let Some(&c) = chars.get(i) else {
            if !buf.is_empty() {
                if backslash {
                    buf.pop();
                }
                out.push((start, buf));
            }
            return out;
        };
        i += 1;
        if c == '\n' || (c == '\r' && chars.get(i) != Some(&'\n')) {
            line_no += 1;
        }
        if skip_blanks {
            if is_blank(c) || (!appended && (c == '\r' || c == '\n')) {
                continue;
            }
            skip_blanks = false;
            appended = false;
        }
        if buf.is_empty() && (c == '#' || c == '!') {
            // A comment runs to the end of its natural line, backslash or not.
            while let Some(&d) = chars.get(i) {
                i += 1;
                if d == '\n' || (d == '\r' && chars.get(i) != Some(&'\n')) {
                    line_no += 1;
                }
                if d == '\n' || d == '\r' {
                    break;
                }
            }
            skip_blanks = true;
            continue;
        }
        if c != '\n' && c != '\r' {
            if buf.is_empty() {
                start = line_no;
            }
            buf.push(c);
            backslash = c == '\\' && !backslash;
            continue;
        }
        // End of a natural line.
        if buf.is_empty() {
            skip_blanks = true;
            continue;
        }
        if i >= chars.len() {
            if backslash {
                buf.pop();
            }
            out.push((start, std::mem::take(&mut buf)));
            return out;
        }
        if backslash {
            // Odd backslashes: drop the last and continue on the next line,
            // skipping its leading blanks (but an empty next line ends it).
            buf.pop();
            skip_blanks = true;
            appended = true;
            backslash = false;
            if c == '\r' && chars.get(i) == Some(&'\n') {
                i += 1;
                line_no += 1;
            }
        } else {
            out.push((start, std::mem::take(&mut buf)));
            skip_blanks = true;
            appended = false;
        }
    }
}

/// The raw (still escaped) key and value of a logical line.
fn split_key_value(line: &[char]) -> (&[char], &[char]) {
    let mut key_len = 0;
    let mut value_start = line.len();
    let mut has_sep = false;
    let mut backslash = false;
    while key_len < line.len() {
        let c = line[key_len];
        if !backslash && (c == '=' || c == ':') {
            value_start = key_len + 1;
            has_sep = true;
            break;
        }
        if !backslash && is_blank(c) {
            value_start = key_len + 1;
            break;
        }
        backslash = c == '\\' && !backslash;
        key_len += 1;
    }
    while value_start < line.len() {
        let c = line[value_start];
        if !is_blank(c) {
            if !has_sep && (c == '=' || c == ':') {
                has_sep = true;
            } else {
                break;
            }
        }
        value_start += 1;
    }
    (&line[..key_len], &line[value_start.min(line.len())..])
}

/// `loadConvert`: resolves escapes; `None` for a malformed `\uXXXX`.
/// Java strings are UTF-16, so `\u` escapes are gathered as code units and
/// surrogate pairs join; a lone surrogate becomes U+FFFD.
fn unescape(raw: &[char]) -> Option<String> {
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        i += 1;
        if c != '\\' {
            let mut tmp = [0u16; 2];
            units.extend_from_slice(c.encode_utf16(&mut tmp));
            continue;
        }
        let Some(&e) = raw.get(i) else {
            // Only reachable at end of input, where Java drops the backslash.
            break;
        };
        i += 1;
        let out = match e {
            'u' => {
                let hex = raw.get(i..i + 4)?;
                i += 4;
                let mut v: u16 = 0;
                for h in hex {
                    v = v * 16 + h.to_digit(16)? as u16;
                }
                units.push(v);
                continue;
            }
            't' => '\t',
            'r' => '\r',
            'n' => '\n',
            'f' => '\u{c}',
            other => other,
        };
        let mut tmp = [0u16; 2];
        units.extend_from_slice(out.encode_utf16(&mut tmp));
    }
    Some(String::from_utf16_lossy(&units))
}

/// `String.trim()`: strips every character ≤ U+0020 from both ends (Rust's
/// `trim` strips Unicode whitespace instead, which differs on both sides).
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        Properties::parse(text)
            .unwrap()
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn one(text: &str) -> (String, String) {
        let p = pairs(text);
        assert_eq!(p.len(), 1, "{text:?} → {p:?}");
        p.into_iter().next().unwrap()
    }

    #[test]
    fn separators() {
        #[rustfmt::skip]
        let cases = [
            ("a=b", "a", "b"),
            ("a = b", "a", "b"),
            ("a:b", "a", "b"),
            ("a : b", "a", "b"),
            ("a b", "a", "b"),
            ("a\t\tb", "a", "b"),
            ("a", "a", ""),
            ("a=", "a", ""),
            ("a = = b", "a", "= b"),
            ("a  :=b", "a", "=b"),
            ("a=b=c", "a", "b=c"),
            ("  a=b  ", "a", "b  "),
            ("a\\=b=c", "a=b", "c"),
            ("a\\ b c", "a b", "c"),
            ("a\\:b:c", "a:b", "c"),
            ("\\#a=b", "#a", "b"),
        ];
        for (text, k, v) in cases {
            assert_eq!(one(text), (k.to_owned(), v.to_owned()), "{text:?}");
        }
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# c\n! c\n   # indented comment\n\n  \t\nk=v # not a comment\n";
        assert_eq!(pairs(text), [("k".into(), "v # not a comment".into())]);
        // A comment's trailing backslash does not continue it.
        assert_eq!(pairs("# c \\\nk=v"), [("k".into(), "v".into())]);
    }

    #[test]
    fn continuations() {
        assert_eq!(one("k=a\\\n   b"), ("k".into(), "ab".into()));
        assert_eq!(one("k=a\\\r\n\tb\\\r  c"), ("k".into(), "abc".into()));
        // Even backslashes are an escaped backslash, not a continuation.
        assert_eq!(pairs("k=a\\\\\nj=b").len(), 2);
        // A '#' on a continuation line is data.
        assert_eq!(one("k=a\\\n  #b"), ("k".into(), "a#b".into()));
        // An empty line after a continuation ends the logical line.
        assert_eq!(
            pairs("k=a\\\n\nj=b"),
            [("k".into(), "a".into()), ("j".into(), "b".into())]
        );
        // A trailing backslash at end of input is dropped.
        assert_eq!(one("k=a\\"), ("k".into(), "a".into()));
        // The continuation of a key line can carry the separator.
        assert_eq!(one("ke\\\n  y = v"), ("key".into(), "v".into()));
        // Corner cases the JDK differential found (tests/properties_golden.rs):
        // a bare backslash line leaves the logical line empty, so a comment
        // may still start it, and an empty logical line is no line at all…
        assert_eq!(pairs("\\\n# c\nk=v"), [("k".into(), "v".into())]);
        assert_eq!(pairs("\\\r\n\n#"), []);
        assert_eq!(pairs("\\\r!\\"), []);
        // …except a lone backslash at end of input: an empty key.
        assert_eq!(pairs("\\"), [("".into(), "".into())]);
    }

    #[test]
    fn escapes() {
        assert_eq!(
            one(r"k=\t\n\r\f\\\q"),
            ("k".into(), "\t\n\r\u{c}\\q".into())
        );
        assert_eq!(one(r"k=\u0041\u00e9"), ("k".into(), "Aé".into()));
        assert_eq!(one(r"k=\uD83D\uDE00"), ("k".into(), "😀".into()));
        assert_eq!(one(r"\u006b=v"), ("k".into(), "v".into()));
        for bad in [r"k=\u12", r"k=\u12G4", r"k=\u"] {
            let e = Properties::parse(bad).unwrap_err();
            assert_eq!(e.line, 1, "{bad}");
        }
        let e = Properties::parse("a=1\n\nb=\\uZZZZ").unwrap_err();
        assert_eq!(e.line, 3);
    }

    #[test]
    fn last_value_wins_and_order_is_first_appearance() {
        let p = Properties::parse("a=1\nb=2\na=3").unwrap();
        assert_eq!(p.iter().collect::<Vec<_>>(), [("a", "3"), ("b", "2")]);
        assert_eq!(p.get("a"), Some("3"));
        assert!(p.contains_key("b"));
        assert!(!p.contains_key("c"));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn latin1_bytes_map_one_to_one() {
        // "dataDir=/d\xe4t" is "/dät" under ISO-8859-1, as Java reads it;
        // UTF-8 "ä" (c3 a4) becomes two characters, as under Java.
        let p = Properties::parse_latin1(b"a=/d\xe4t\nb=\xc3\xa4").unwrap();
        assert_eq!(p.get("a"), Some("/d\u{e4}t"));
        assert_eq!(p.get("b"), Some("\u{c3}\u{a4}"));
    }

    #[test]
    fn java_trim_strips_control_characters_only() {
        assert_eq!(java_trim("\u{1} x \t\r\n"), "x");
        assert_eq!(java_trim("\u{a0}x\u{a0}"), "\u{a0}x\u{a0}");
    }
}
