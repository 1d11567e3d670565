//! Where the shell writes. zkCli prints results on stdout and errors (and,
//! oddly, "Created …") on stderr; each line is written and flushed whole so
//! the two streams interleave in order when they share a pipe, as Java's
//! autoflushing `System.out`/`System.err` do. Write errors (a closed pipe)
//! are ignored: there is nobody left to tell.
//!
//! Text is assembled first and handed over in one `write_all`: stderr is
//! unbuffered, so `writeln!` on it would make two writes (text, then the
//! newline), and a watch event printed from another task could land
//! between them.

use std::io::Write;

fn to_stdout(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = o.write_all(text.as_bytes());
    let _ = o.flush();
}

fn to_stderr(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// Each line followed by a newline, as one string.
fn joined(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Writes `text` + newline to stdout.
pub fn out(text: &str) {
    to_stdout(&format!("{text}\n"));
}

/// Writes `text` to stdout without a newline (Java `print`).
pub fn out_raw(text: &str) {
    to_stdout(text);
}

/// Writes each line to stdout.
pub fn out_lines(lines: &[String]) {
    to_stdout(&joined(lines));
}

/// Writes `text` + newline to stderr.
pub fn err(text: &str) {
    to_stderr(&format!("{text}\n"));
}

/// Writes each line to stderr.
pub fn err_lines(lines: &[String]) {
    to_stderr(&joined(lines));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_joined_with_newlines() {
        assert_eq!(joined(&["a".into(), "".into()]), "a\n\n");
        assert_eq!(joined(&[]), "");
    }
}
