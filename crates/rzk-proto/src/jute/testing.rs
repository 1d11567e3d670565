//! Test-only value generation: a proptest strategy for every jute type, so
//! that every record declared with `jute_record!` gets one for free.

use bytes::Bytes;
use proptest::collection::vec;
use proptest::prelude::*;

/// A type proptest can generate values of, covering the edge cases jute
/// cares about (null vs empty, non-ASCII text, extreme integers).
pub trait JuteArbitrary: Sized + std::fmt::Debug {
    /// The strategy.
    fn strategy() -> BoxedStrategy<Self>;
}

macro_rules! any_impl {
    ($($t:ty),*) => {$(
        impl JuteArbitrary for $t {
            fn strategy() -> BoxedStrategy<Self> {
                any::<$t>().boxed()
            }
        }
    )*};
}
any_impl!(i8, bool, i32, i64);

impl JuteArbitrary for String {
    fn strategy() -> BoxedStrategy<Self> {
        prop_oneof![
            Just(String::new()),
            "/[a-z0-9é\\-_.]{0,12}",
            any::<String>().prop_map(|s| s.chars().take(16).collect()),
        ]
        .boxed()
    }
}

impl JuteArbitrary for Bytes {
    fn strategy() -> BoxedStrategy<Self> {
        vec(any::<u8>(), 0..24).prop_map(Bytes::from).boxed()
    }
}

impl<T: JuteArbitrary + 'static> JuteArbitrary for Vec<T> {
    fn strategy() -> BoxedStrategy<Self> {
        vec(T::strategy(), 0..4).boxed()
    }
}

impl<T: JuteArbitrary + 'static> JuteArbitrary for Option<T> {
    fn strategy() -> BoxedStrategy<Self> {
        proptest::option::of(T::strategy()).boxed()
    }
}

/// Checks that `v` encodes to exactly `encoded_len` bytes and decodes back to
/// itself.
pub fn assert_roundtrip<T: super::Record + PartialEq + std::fmt::Debug>(v: &T) {
    let bytes = v.to_bytes();
    assert_eq!(bytes.len(), v.encoded_len(), "encoded_len of {}", T::NAME);
    let back = T::from_bytes(bytes).unwrap_or_else(|e| panic!("{}: {e}", T::NAME));
    assert_eq!(&back, v);
}

/// Checks that decoding `bytes` as `T` returns (Ok or Err) without
/// panicking, and that whatever decodes re-encodes to the same bytes when
/// they were canonical.
pub fn assert_total<T: super::Record + PartialEq + std::fmt::Debug>(bytes: &[u8]) {
    if let Ok(v) = T::from_bytes(Bytes::copy_from_slice(bytes)) {
        assert_roundtrip(&v);
    }
}
