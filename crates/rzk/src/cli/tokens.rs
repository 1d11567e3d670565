//! Splitting a shell line into words exactly as zkCli does
//! (`ZooKeeperMain.MyCommandOptions.parseCommand`).
//!
//! zkCli finds words with the regular expression
//! `\s*([^"']\S*|"[^"]*"|'[^']*')\s*` and strips one pair of matching
//! quotes. The expression has quirks scripts can depend on: an unclosed
//! quote is dropped (`get "/a` gives `get`, `/a`), and a line of blanks is
//! one word made of a blank. This module reproduces the match,
//! backtracking included, instead of a "nicer" tokenizer.

/// Java's `\s`: space, tab, newline, vertical tab, form feed, return.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r')
}

fn is_quote(c: char) -> bool {
    c == '"' || c == '\''
}

/// The end (exclusive) of the group when it starts at `pos`, trying the
/// three alternatives in the expression's order.
fn group_at(chars: &[char], pos: usize) -> Option<usize> {
    let c = *chars.get(pos)?;
    if !is_quote(c) {
        let run = chars[pos + 1..]
            .iter()
            .take_while(|c| !is_space(**c))
            .count();
        return Some(pos + 1 + run);
    }
    let close = chars[pos + 1..].iter().position(|d| *d == c)?;
    Some(pos + 1 + close + 1)
}

/// Matches the expression at `start`: greedy leading blanks, backing off
/// one blank at a time until the group matches. Returns the group's range
/// and where the whole match (trailing blanks included) ends.
fn match_at(chars: &[char], start: usize) -> Option<(usize, usize, usize)> {
    let blanks = chars[start..].iter().take_while(|c| is_space(**c)).count();
    (0..=blanks).rev().find_map(|k| {
        let pos = start + k;
        let end = group_at(chars, pos)?;
        let trail = chars[end..].iter().take_while(|c| is_space(**c)).count();
        Some((pos, end, end + trail))
    })
}

/// The words of `line`, quotes stripped as zkCli strips them (only when
/// the word starts and ends with the same quote character).
pub fn split_words(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut words = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let Some((from, to, next)) = (at..chars.len()).find_map(|s| match_at(&chars, s)) else {
            break;
        };
        let word = &chars[from..to];
        let quoted = word.len() >= 2 && is_quote(word[0]) && word[word.len() - 1] == word[0];
        let word = if quoted {
            &word[1..word.len() - 1]
        } else {
            word
        };
        words.push(word.iter().collect());
        at = next;
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(line: &str) -> Vec<String> {
        split_words(line)
    }

    #[test]
    fn plain_words_and_quotes() {
        assert_eq!(w("create /a data"), ["create", "/a", "data"]);
        assert_eq!(w("  ls   /  "), ["ls", "/"]);
        assert_eq!(w("create /q \"a b\""), ["create", "/q", "a b"]);
        assert_eq!(w("create '/q2' 'x y'"), ["create", "/q2", "x y"]);
        assert_eq!(w("set /a \"\""), ["set", "/a", ""]);
    }

    #[test]
    fn zkcli_quirks_are_kept() {
        // A blank-only line is one word made of one blank: zkCli then
        // reports "Command not found" for it.
        assert_eq!(w("   "), [" "]);
        assert!(w("").is_empty());
        // An unclosed quote is skipped (checked against java.util.regex).
        assert_eq!(w("get \"/a"), ["get", "/a"]);
        assert_eq!(w("x \"ab'"), ["x", "ab'"]);
        assert_eq!(w("a 'b"), ["a", "b"]);
        assert!(w("\"").is_empty());
        // Quotes inside a word stay.
        assert_eq!(w("a\"b c"), ["a\"b", "c"]);
    }
}
