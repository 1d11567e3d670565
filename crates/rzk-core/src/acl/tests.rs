//! Table tests for checkACL, fixupACL, getACL masking and whoAmI
//! (`PROTOCOL.md` §3.10, §3.6, §9 items 20–21).

use super::*;
use rzk_proto::codes::perms::{ADMIN, ALL, CREATE, DELETE, READ, WRITE};

fn id(s: &str, i: &str) -> Id {
    Id::new(s, i)
}
fn acl(p: i32, s: &str, i: &str) -> Acl {
    Acl::new(p, id(s, i))
}

/// name, ACL, perm, connection ids, expected pass.
type CheckCase = (&'static str, Vec<Acl>, i32, Vec<Id>, bool);
/// name, ACL, connection ids, expected stored ACL.
type FixupCase = (&'static str, Vec<Acl>, Vec<Id>, Result<Vec<Acl>, AclError>);

const ALICE: &str = "alice:Tdqj3NLU6ZhH9pPe8o5ImB/gFfs=";

/// §3.10: checkACL's rules in order.
#[test]
fn check_acl_rules_3_10() {
    let cfg = AuthConfig::default();
    let ip = id("ip", "10.1.2.3");
    let alice = id("digest", ALICE);
    #[rustfmt::skip]
    let cases: Vec<CheckCase> = vec![
        ("empty ACL passes", vec![], ALL, vec![], true),
        ("world:anyone with the bit", vec![acl(READ, "world", "anyone")], READ, vec![], true),
        ("world:anyone without the bit", vec![acl(READ, "world", "anyone")], WRITE, vec![ip.clone()], false),
        ("world id other than anyone never matches", vec![acl(ALL, "world", "someone")], READ, vec![id("world", "someone")], false),
        ("super bypasses", vec![acl(READ, "digest", "x:y")], ADMIN, vec![id("super", "")], true),
        ("digest exact", vec![acl(WRITE, "digest", ALICE)], WRITE, vec![ip.clone(), alice.clone()], true),
        ("digest differs", vec![acl(WRITE, "digest", "alice:other=")], WRITE, vec![alice.clone()], false),
        ("digest needs the perm bit", vec![acl(READ, "digest", ALICE)], WRITE, vec![alice.clone()], false),
        ("scheme must match", vec![acl(ALL, "ip", ALICE)], READ, vec![alice.clone()], false),
        ("ip CIDR", vec![acl(DELETE, "ip", "10.0.0.0/8")], DELETE, vec![ip.clone()], true),
        ("ip outside CIDR", vec![acl(DELETE, "ip", "11.0.0.0/8")], DELETE, vec![ip.clone()], false),
        ("second entry grants", vec![acl(READ, "ip", "1.1.1.1"), acl(CREATE, "ip", "10.1.2.3")], CREATE, vec![ip.clone()], true),
        ("any of several perms bits", vec![acl(ADMIN, "world", "anyone")], READ | ADMIN, vec![], true),
        ("auth is never stored, never matches", vec![acl(ALL, "auth", "")], READ, vec![id("auth", "")], false),
        ("sasl without provider", vec![acl(ALL, "sasl", "bob")], READ, vec![id("sasl", "bob")], false),
        ("no ids", vec![acl(ALL, "digest", ALICE)], READ, vec![], false),
    ];
    for (name, a, perm, ids, ok) in cases {
        assert_eq!(cfg.check_acl(&a, perm, &ids).is_ok(), ok, "{name}");
    }
    let skip = AuthConfig {
        skip_acl: true,
        ..AuthConfig::default()
    };
    assert!(skip
        .check_acl(&[acl(READ, "digest", "x:y")], ADMIN, &[])
        .is_ok());
    assert_eq!(
        cfg.check_acl(&[acl(READ, "digest", "x:y")], ADMIN, &[]),
        Err(AclError::NoAuth)
    );
    assert_eq!(AclError::NoAuth.code(), ErrorCode::NoAuth);
}

/// §3.10: providers that exist only when configured, and their match rules.
#[test]
fn optional_providers_3_10() {
    let off = AuthConfig {
        digest_enabled: false,
        ..AuthConfig::default()
    };
    let alice = id("digest", ALICE);
    assert!(off
        .check_acl(&[acl(READ, "digest", ALICE)], READ, &[alice])
        .is_err());

    let sasl = AuthConfig {
        sasl_enabled: true,
        let_any_sasl_user_do_x: Some("shared".into()),
        ..AuthConfig::default()
    };
    let bob = vec![id("sasl", "bob")];
    assert!(sasl
        .check_acl(&[acl(READ, "sasl", "bob")], READ, &bob)
        .is_ok());
    assert!(sasl
        .check_acl(&[acl(READ, "sasl", "carol")], READ, &bob)
        .is_err());
    assert!(sasl
        .check_acl(&[acl(READ, "sasl", "shared")], READ, &bob)
        .is_ok());
    // A sasl id that is literally "super" matches every sasl ACL id.
    assert!(sasl
        .check_acl(&[acl(READ, "sasl", "carol")], READ, &[id("sasl", "super")])
        .is_ok());

    let x509 = AuthConfig {
        x509_enabled: true,
        x509_super_user: Some("CN=admin".into()),
        ..AuthConfig::default()
    };
    let dn = |d: &str| vec![id("x509", d)];
    assert!(x509
        .check_acl(&[acl(READ, "x509", "CN=a")], READ, &dn("CN=a"))
        .is_ok());
    assert!(x509
        .check_acl(&[acl(READ, "x509", "CN=a")], READ, &dn("CN=b"))
        .is_err());
    assert!(x509
        .check_acl(&[acl(READ, "x509", "CN=a")], READ, &dn("CN=admin"))
        .is_ok());
}

/// §3.4 / §9 item 20: fixupACL.
#[test]
fn fixup_acl_rules_3_4() {
    let cfg = AuthConfig {
        sasl_enabled: true,
        ..AuthConfig::default()
    };
    let ip = id("ip", "127.0.0.1");
    let alice = id("digest", ALICE);
    let bob = id("sasl", "bob");
    #[rustfmt::skip]
    let cases: Vec<FixupCase> = vec![
        ("empty → InvalidACL", vec![], vec![], Err(AclError::InvalidAcl)),
        ("open kept", Acl::open_unsafe(), vec![ip.clone()], Ok(Acl::open_unsafe())),
        ("duplicates dropped, first kept",
            vec![acl(READ, "world", "anyone"), acl(READ, "world", "anyone"), acl(ALL, "world", "anyone")],
            vec![], Ok(vec![acl(READ, "world", "anyone"), acl(ALL, "world", "anyone")])),
        ("auth with only ip → InvalidACL", Acl::creator_all(), vec![ip.clone()], Err(AclError::InvalidAcl)),
        ("auth with super only → InvalidACL", Acl::creator_all(), vec![id("super", "")], Err(AclError::InvalidAcl)),
        ("auth expands to digest and sasl, in connection order",
            vec![acl(READ | WRITE, "auth", "")],
            vec![ip.clone(), alice.clone(), id("super", ""), bob.clone()],
            Ok(vec![Acl::new(READ | WRITE, alice.clone()), Acl::new(READ | WRITE, bob.clone())])),
        ("auth id text is ignored", vec![acl(ALL, "auth", "whatever")], vec![alice.clone()], Ok(vec![Acl::new(ALL, alice.clone())])),
        ("expansion not deduplicated",
            vec![acl(ALL, "digest", ALICE), acl(ALL, "auth", "")], vec![alice.clone()],
            Ok(vec![acl(ALL, "digest", ALICE), Acl::new(ALL, alice.clone())])),
        ("valid digest id", vec![acl(ALL, "digest", "u:h")], vec![], Ok(vec![acl(ALL, "digest", "u:h")])),
        ("digest id without ':' → InvalidACL", vec![acl(ALL, "digest", "u")], vec![], Err(AclError::InvalidAcl)),
        ("valid ip", vec![acl(ALL, "ip", "10.0.0.0/8")], vec![], Ok(vec![acl(ALL, "ip", "10.0.0.0/8")])),
        ("bad ip → InvalidACL", vec![acl(ALL, "ip", "10.0.0.0/40")], vec![], Err(AclError::InvalidAcl)),
        ("unknown scheme → InvalidACL", vec![acl(ALL, "foo", "bar")], vec![], Err(AclError::InvalidAcl)),
        ("super scheme → InvalidACL", vec![acl(ALL, "super", "")], vec![], Err(AclError::InvalidAcl)),
        ("world other than anyone → InvalidACL", vec![acl(ALL, "world", "x")], vec![], Err(AclError::InvalidAcl)),
        ("kerberos name", vec![acl(ALL, "sasl", "zk/host@REALM")], vec![], Ok(vec![acl(ALL, "sasl", "zk/host@REALM")])),
        ("malformed kerberos name", vec![acl(ALL, "sasl", "a@b@c")], vec![], Err(AclError::InvalidAcl)),
        ("perms are not checked", vec![acl(0, "world", "anyone")], vec![], Ok(vec![acl(0, "world", "anyone")])),
    ];
    for (name, a, ids, want) in cases {
        assert_eq!(cfg.fixup_acl(&ids, &a), want, "{name}");
    }
    // Without a SASL provider the same sasl ids are neither expanded nor valid.
    let plain = AuthConfig::default();
    assert_eq!(
        plain.fixup_acl(&[bob], &Acl::creator_all()),
        Err(AclError::InvalidAcl)
    );
    assert_eq!(
        plain.fixup_acl(&[], &[acl(ALL, "sasl", "bob")]),
        Err(AclError::InvalidAcl)
    );
}

#[test]
fn kerberos_names() {
    for (name, ok) in [
        ("bob", true),
        ("bob@REALM", true),
        ("zk/host@REALM", true),
        ("@", true),
        ("a/b/c", true), // no '@': a bare service name
        ("a/b/c@R", false),
        ("a@R/x", false),
        ("a@b@c", false),
    ] {
        assert_eq!(is_valid_kerberos_name(name), ok, "{name}");
    }
}

/// §3.6 / §9 item 21: getACL masks digest ids for callers without ADMIN.
#[test]
fn get_acl_masks_digest_without_admin_3_6() {
    let cfg = AuthConfig::default();
    let stored = vec![
        acl(READ, "digest", ALICE),
        acl(READ, "ip", "10.0.0.0/8"),
        acl(ADMIN, "digest", "admin:abc="),
    ];
    let masked = cfg.acl_for_get(&stored, &[id("ip", "10.0.0.1")]);
    assert_eq!(
        masked,
        vec![
            acl(READ, "digest", "alice:x"),
            acl(READ, "ip", "10.0.0.0/8"),
            acl(ADMIN, "digest", "admin:x"),
        ]
    );
    let admin = cfg.acl_for_get(&stored, &[id("digest", "admin:abc=")]);
    assert_eq!(admin, stored);
    assert_eq!(
        mask_digest_ids(&[acl(1, "digest", "a:b:c"), acl(1, "digest", "nocolon")]),
        vec![acl(1, "digest", "a:x"), acl(1, "digest", "nocolon")]
    );
    // Java's '.' stops at line terminators.
    assert_eq!(mask_line_tails("u:p\nv:q"), "u:x\nv:x");
}

/// §3.6: whoAmI user names per provider.
#[test]
fn who_am_i_3_6() {
    let cfg = AuthConfig::default();
    let got = cfg.who_am_i(&[
        id("ip", "127.0.0.1"),
        id("digest", ALICE),
        id("super", ""),
        id("sasl", "bob"),
    ]);
    let pairs: Vec<(&str, &str)> = got
        .iter()
        .map(|c| (c.auth_scheme.as_str(), c.user.as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("ip", "127.0.0.1"),
            ("digest", "alice"),
            ("super", ""),
            ("sasl", "")
        ]
    );
}

#[test]
fn digest_provider_switch_3_10() {
    let on = AuthConfig {
        super_digest: Some(digest::digest_id("root:pw")),
        ..AuthConfig::default()
    };
    let ids = on.digest_authenticate(b"root:pw").unwrap_or_default();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0].scheme, "super");
    let off = AuthConfig {
        digest_enabled: false,
        ..AuthConfig::default()
    };
    assert_eq!(off.digest_authenticate(b"root:pw"), None);
}
