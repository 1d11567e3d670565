//! The server's only reads of time: the core gets time as an input, and this
//! is where the shell takes it from.

pub use rzk_core::shell::Now;

/// The current time.
#[allow(clippy::disallowed_methods)] // the server's single clock read
pub fn now() -> Now {
    use std::sync::OnceLock;
    static START: OnceLock<std::time::Instant> = OnceLock::new();
    let start = *START.get_or_init(std::time::Instant::now);
    let wall_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let mono_ms = i64::try_from(start.elapsed().as_millis()).unwrap_or(i64::MAX);
    Now { wall_ms, mono_ms }
}
