//! The bench's only clock read. A load driver measures time, which is its
//! whole job; everything else in rzk takes time as an input, so the read is
//! kept in this one place, as the server and client keep theirs.

use std::time::Instant;

/// The current instant on the monotonic clock.
#[allow(clippy::disallowed_methods)] // the bench's single clock read
pub fn now() -> Instant {
    Instant::now()
}
