//! The `digest` scheme (`DigestAuthenticationProvider`): an `auth` packet
//! carries `user:password`; the connection gets the id
//! `user:base64(SHA1("user:password"))`, which ACL ids must equal exactly.

pub use rzk_proto::data::digest_id;
use rzk_proto::data::Id;

/// The scheme name.
pub const SCHEME: &str = "digest";

/// The ids a successful digest `auth` packet adds to a connection: `super:`
/// first when the computed id equals the configured super digest, then the
/// `digest` id. Never empty, so digest authentication never fails.
///
/// Java decodes the bytes with the platform charset (UTF-8); malformed
/// sequences become U+FFFD here as there.
pub fn authenticate(auth_data: &[u8], super_digest: Option<&str>) -> Vec<Id> {
    let text = String::from_utf8_lossy(auth_data);
    let id = digest_id(&text);
    let mut ids = Vec::with_capacity(2);
    if super_digest == Some(id.as_str()) {
        ids.push(Id::new(super::SUPER, ""));
    }
    ids.push(Id::new(SCHEME, id));
    ids
}

/// Java's `String.split(":")` piece count: trailing empty pieces dropped,
/// and a string with no `:` is one piece.
fn java_split_count(s: &str) -> usize {
    if !s.contains(':') {
        return 1;
    }
    let mut pieces: Vec<&str> = s.split(':').collect();
    while pieces.last().is_some_and(|p| p.is_empty()) {
        pieces.pop();
    }
    pieces.len()
}

/// `isValid`: an ACL id must split into exactly two pieces on `:`, with
/// Java's rules (so `a:b:` is valid, `a:` and `a:b:c` are not).
pub fn is_valid(id: &str) -> bool {
    java_split_count(id) == 2
}

/// `getUserName` (whoAmI): the text before the first `:`. Java throws for
/// an id made only of colons; we answer `""`, which is what whoAmI shows
/// for any id it cannot name.
pub fn user_name(id: &str) -> &str {
    id.split(':').next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// §3.10: the test vector observed on a live 3.8.0 server.
    #[test]
    fn digest_id_matches_zookeeper_3_10() {
        assert_eq!(digest_id("user:pass"), "user:smGaoVKd/cQkjm7b88GyorAUz20=");
        // Only the first ':' splits; the hash covers the whole string.
        assert!(digest_id("u:p:q").starts_with("u:"));
        assert_ne!(digest_id("u:p:q"), digest_id("u:p"));
        // No ':' at all still yields an id.
        assert!(digest_id("nocolon").starts_with("nocolon:"));
        assert_eq!(digest_id("nocolon").len(), "nocolon:".len() + 28);
    }

    /// §3.10: super digest adds `super:` before the digest id.
    #[test]
    fn authenticate_adds_super_3_10() {
        let ids = authenticate(b"user:pass", None);
        assert_eq!(
            ids,
            vec![Id::new("digest", "user:smGaoVKd/cQkjm7b88GyorAUz20=")]
        );
        let ids = authenticate(b"user:pass", Some("user:smGaoVKd/cQkjm7b88GyorAUz20="));
        assert_eq!(ids[0], Id::new("super", ""));
        assert_eq!(ids.len(), 2);
        let ids = authenticate(b"user:pass", Some("super:xxx"));
        assert_eq!(ids.len(), 1);
        // Malformed UTF-8 still authenticates (as U+FFFD).
        assert_eq!(authenticate(&[0xff, b':', b'p'], None).len(), 1);
    }

    /// §3.4 / §3.10: digest ACL ids need exactly one ':' by Java's split.
    #[test]
    fn digest_validity_3_10() {
        for (id, ok) in [
            ("user:hash", true),
            (":hash", true),
            ("a:b:", true),
            ("a:b::", true),
            ("user:", false),
            ("user", false),
            ("a:b:c", false),
            (":", false),
            ("", false),
            ("::a", false),
        ] {
            assert_eq!(is_valid(id), ok, "{id:?}");
        }
    }

    #[test]
    fn user_names_3_6() {
        assert_eq!(user_name("user:hash"), "user");
        assert_eq!(user_name(":hash"), "");
        assert_eq!(user_name(""), "");
        assert_eq!(user_name("plain"), "plain");
    }
}
