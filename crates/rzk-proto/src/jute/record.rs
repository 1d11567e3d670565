//! Whole records: decoding a buffer that holds exactly one record, and the
//! `jute_record!` macro that declares a record type from its field list.

use bytes::{Bytes, BytesMut};

use super::error::DecodeResult;
use super::reader::Reader;
use super::types::Jute;

/// A named jute record (a `class` in `zookeeper.jute`, or a message built
/// the same way).
pub trait Record: Jute {
    /// The record's name as ZooKeeper spells it, used in error reports.
    const NAME: &'static str;

    /// Decodes a buffer that must hold exactly one record and nothing else.
    fn from_bytes(buf: impl Into<Bytes>) -> DecodeResult<Self> {
        let mut r = Reader::new(buf);
        let v = Self::read(&mut r, Self::NAME)?;
        r.enter(Self::NAME);
        r.finish("(end)")?;
        Ok(v)
    }

    /// Encodes the record into a new buffer of exactly the right size.
    fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(self.encoded_len());
        self.write(&mut b);
        b.freeze()
    }
}

/// Declares a struct whose jute encoding is its fields in declaration order,
/// and implements [`Jute`] and [`Record`] for it.
///
/// ```
/// rzk_proto::jute_record! {
///     /// A pair.
///     pub struct Pair {
///         /// First.
///         pub a: i32,
///         /// Second.
///         pub b: String,
///     }
/// }
/// use rzk_proto::jute::Record;
/// let p = Pair { a: 1, b: "x".into() };
/// assert_eq!(&p.to_bytes()[..], &[0, 0, 0, 1, 0, 0, 0, 1, b'x']);
/// assert_eq!(Pair::from_bytes(p.to_bytes()).unwrap(), p);
/// ```
#[macro_export]
macro_rules! jute_record {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$fmeta:meta])* pub $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct $name {
            $( $(#[$fmeta])* pub $field: $ty, )*
        }

        impl $crate::jute::Jute for $name {
            const MIN_SIZE: usize = 0 $( + <$ty as $crate::jute::Jute>::MIN_SIZE )*;

            #[allow(unused_variables)]
            fn read(
                r: &mut $crate::jute::Reader,
                _field: &'static str,
            ) -> $crate::jute::DecodeResult<Self> {
                let outer = r.enter(stringify!($name));
                let value = Self {
                    $( $field: <$ty as $crate::jute::Jute>::read(r, stringify!($field))?, )*
                };
                r.leave(outer);
                Ok(value)
            }

            #[allow(unused_variables)]
            fn write<B: ::bytes::BufMut>(&self, w: &mut B) {
                $( $crate::jute::Jute::write(&self.$field, w); )*
            }

            fn encoded_len(&self) -> usize {
                0 $( + $crate::jute::Jute::encoded_len(&self.$field) )*
            }
        }

        impl $crate::jute::Record for $name {
            const NAME: &'static str = stringify!($name);
        }

        #[cfg(test)]
        impl $crate::jute::testing::JuteArbitrary for $name {
            fn strategy() -> ::proptest::strategy::BoxedStrategy<Self> {
                use ::proptest::strategy::Strategy;
                (
                    $( <$ty as $crate::jute::testing::JuteArbitrary>::strategy(), )*
                )
                    .prop_map(|( $( $field, )* )| Self { $( $field, )* })
                    .boxed()
            }
        }
    };
}
