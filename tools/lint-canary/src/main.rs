//! Deliberately reads the wall clock; `scripts/verify` expects clippy to
//! reject this file through the repository's clippy.toml.
fn main() {
    let started = std::time::Instant::now();
    let now = std::time::SystemTime::now();
    println!("{:?} {:?}", started.elapsed(), now);
}
