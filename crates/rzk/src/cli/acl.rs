//! ACLs in zkCli's text forms: `scheme:id:perms[,…]` as `AclParser` reads
//! it, and the lines `getAcl` prints (`Id.toString()`, a jute record dump,
//! then `": "` and the permission letters).

use rzk_client::{Acl, Id};

const READ: i32 = 1;
const WRITE: i32 = 1 << 1;
const CREATE: i32 = 1 << 2;
const DELETE: i32 = 1 << 3;
const ADMIN: i32 = 1 << 4;

/// Java's `String.split(",")`: like `split`, without trailing empty pieces
/// (but `""` still gives one empty piece).
fn java_split(s: &str, sep: char) -> Vec<&str> {
    let mut parts: Vec<&str> = s.split(sep).collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// Parses an ACL list like zkCli's `AclParser.parse`. Entries without two
/// colons are skipped and unknown permission letters ignored; both are
/// reported in the returned warnings, which zkCli prints to stderr.
pub fn parse(text: &str) -> (Vec<Acl>, Vec<String>) {
    let mut acls = Vec::new();
    let mut warnings = Vec::new();
    for entry in java_split(text, ',') {
        let (Some(first), Some(last)) = (entry.find(':'), entry.rfind(':')) else {
            warnings.push(format!("{entry} does not have the form scheme:id:perm"));
            continue;
        };
        if first == last {
            warnings.push(format!("{entry} does not have the form scheme:id:perm"));
            continue;
        }
        let mut perms = 0;
        for c in entry[last + 1..].chars() {
            match c {
                'r' => perms |= READ,
                'w' => perms |= WRITE,
                'c' => perms |= CREATE,
                'd' => perms |= DELETE,
                'a' => perms |= ADMIN,
                other => warnings.push(format!("Unknown perm type: {other}")),
            }
        }
        let id = Id::new(&entry[..first], &entry[first + 1..last]);
        acls.push(Acl::new(perms, id));
    }
    (acls, warnings)
}

/// The permission letters in zkCli's order (`ZKUtil.getPermString`).
pub fn perm_string(perms: i32) -> String {
    [
        (CREATE, 'c'),
        (DELETE, 'd'),
        (READ, 'r'),
        (WRITE, 'w'),
        (ADMIN, 'a'),
    ]
    .iter()
    .filter(|(bit, _)| perms & bit != 0)
    .map(|(_, c)| *c)
    .collect()
}

/// A string field as jute's `ToStringOutputArchive` writes it.
fn jute_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 1);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\0' => out.push_str("%00"),
            '\n' => out.push_str("%0A"),
            '\r' => out.push_str("%0D"),
            ',' => out.push_str("%2C"),
            '}' => out.push_str("%7D"),
            '%' => out.push_str("%25"),
            c => out.push(c),
        }
    }
    out
}

/// What `getAcl` prints for one entry: `Id.toString()` ends in a newline,
/// so each entry takes two lines (`'world,'anyone` then `: cdrwa`).
pub fn entry_lines(acl: &Acl) -> [String; 2] {
    [
        format!(
            "{},{}",
            jute_string(&acl.id.scheme),
            jute_string(&acl.id.id)
        ),
        format!(": {}", perm_string(acl.perms)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_like_acl_parser() {
        let (acls, warn) = parse("world:anyone:cdrwa,digest:u:abc=:rw");
        assert!(warn.is_empty());
        assert_eq!(acls[0], Acl::new(31, Id::anyone()));
        assert_eq!(acls[1].id, Id::new("digest", "u:abc="));
        assert_eq!(acls[1].perms, READ | WRITE);

        let (acls, warn) = parse("foo:bar");
        assert!(acls.is_empty());
        assert_eq!(warn, ["foo:bar does not have the form scheme:id:perm"]);

        let (acls, warn) = parse("world:anyone:rq");
        assert_eq!(acls[0].perms, READ);
        assert_eq!(warn, ["Unknown perm type: q"]);

        let (acls, warn) = parse("ip:10.0.0.1:r,");
        assert_eq!((acls.len(), warn.len()), (1, 0), "trailing comma ignored");
        assert_eq!(acls[0].id.id, "10.0.0.1");
    }

    #[test]
    fn print_like_get_acl() {
        assert_eq!(perm_string(31), "cdrwa");
        assert_eq!(perm_string(READ | ADMIN), "ra");
        assert_eq!(perm_string(0), "");
        let [a, b] = entry_lines(&Acl::new(31, Id::anyone()));
        assert_eq!((a.as_str(), b.as_str()), ("'world,'anyone", ": cdrwa"));
        let [a, _] = entry_lines(&Acl::new(1, Id::new("x", "a,b%}")));
        assert_eq!(a, "'x,'a%2Cb%25%7D");
    }
}
