//! Where the shell writes. zkCli prints results on stdout and errors (and,
//! oddly, "Created …") on stderr; each line is written and flushed whole so
//! the two streams interleave in order when they share a pipe, as Java's
//! autoflushing `System.out`/`System.err` do. Write errors (a closed pipe)
//! are ignored: there is nobody left to tell.

use std::io::Write;

/// Writes `text` + newline to stdout.
pub fn out(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = writeln!(o, "{text}");
    let _ = o.flush();
}

/// Writes `text` to stdout without a newline (Java `print`).
pub fn out_raw(text: &str) {
    let mut o = std::io::stdout().lock();
    let _ = write!(o, "{text}");
    let _ = o.flush();
}

/// Writes each line to stdout.
pub fn out_lines(lines: &[String]) {
    let mut o = std::io::stdout().lock();
    for l in lines {
        let _ = writeln!(o, "{l}");
    }
    let _ = o.flush();
}

/// Writes `text` + newline to stderr.
pub fn err(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e, "{text}");
    let _ = e.flush();
}

/// Writes each line to stderr.
pub fn err_lines(lines: &[String]) {
    let mut e = std::io::stderr().lock();
    for l in lines {
        let _ = writeln!(e, "{l}");
    }
    let _ = e.flush();
}
