//! §3.2's order table, row by row, one test per quirk; versions; the
//! outstanding changes seen by later preps.

use bytes::Bytes;
use rzk_proto::client::{
    CheckVersionRequest, CreateRequest, CreateTtlRequest, Request, SetAclRequest,
};
use rzk_proto::codes::{ErrorCode, OpCode};
use rzk_proto::data::{Acl, Id};
use rzk_proto::txn::TxnBody;

use super::{anyone, create, create_acl, delete, ip, set_data, txn_err, Harness, S1};
use crate::request::{Caller, Compat, Rejected};

const BAD_ARGS: i32 = ErrorCode::BadArguments.code();
const NO_NODE: i32 = ErrorCode::NoNode.code();
const NO_AUTH: i32 = ErrorCode::NoAuth.code();

fn ttl(path: &str, flags: i32, ttl: i64) -> Request {
    Request::CreateTtl(CreateTtlRequest {
        path: path.into(),
        data: None,
        acl: Acl::open_unsafe(),
        flags,
        ttl,
    })
}

fn read_only() -> Vec<Acl> {
    Acl::read_unsafe()
}

fn expired() -> Caller<'static> {
    Caller {
        session_error: Some(ErrorCode::SessionExpired),
        ..anyone()
    }
}

#[test]
fn create_unknown_flags_are_bad_arguments_before_the_session_check() {
    let mut h = Harness::new();
    assert_eq!(h.code(&expired(), &create("/a", 7)), BAD_ARGS);
    assert_eq!(h.code(&expired(), &create("/a", 0)), -112);
}

#[test]
fn create_ttl_modes_need_extended_types_and_the_ttl_opcode() {
    let mut h = Harness::new();
    assert_eq!(h.code(&anyone(), &ttl("/t", 5, 1000)), -6);
    assert_eq!(
        h.code(&anyone(), &create("/t", 5)),
        -6,
        "Unimplemented first"
    );
    let mut h = Harness::with(Compat::default(), true);
    assert_eq!(h.code(&anyone(), &create("/t", 5)), BAD_ARGS, "ttl -1");
    assert_eq!(h.code(&anyone(), &ttl("/t", 5, 0)), BAD_ARGS);
    assert_eq!(h.code(&anyone(), &ttl("/t", 5, 0x100_0000_0000)), BAD_ARGS);
    assert_eq!(
        h.code(&anyone(), &ttl("/t", 0, 10)),
        BAD_ARGS,
        "non-TTL mode"
    );
    assert_eq!(h.code(&anyone(), &ttl("/t", 6, 10)), 0);
    assert_eq!(
        h.eng.tree().children("/").unwrap(),
        ["t0000000000", "zookeeper"]
    );
}

#[test]
fn ephemeral_create_uses_the_global_session_check() {
    let mut h = Harness::new();
    let local = Caller {
        global_session_error: Some(ErrorCode::EphemeralOnLocalSession),
        ..anyone()
    };
    assert_eq!(h.code(&local, &create("/e", 1)), -120);
    assert_eq!(h.code(&local, &create("/p", 0)), 0);
}

#[test]
fn create_path_without_slash_or_with_nul_is_bad_arguments() {
    let mut h = Harness::new();
    assert_eq!(h.code(&anyone(), &create("a", 0)), BAD_ARGS);
    assert_eq!(h.code(&anyone(), &create("/a\0b", 0)), BAD_ARGS);
    // ... and that comes before the ACL fix-up.
    assert_eq!(h.code(&anyone(), &create_acl("a", 0, vec![])), BAD_ARGS);
}

#[test]
fn create_acl_fixup_comes_before_the_parent_lookup() {
    let mut h = Harness::new();
    assert_eq!(h.code(&anyone(), &create_acl("/no/x", 0, vec![])), -114);
    let auth = vec![Acl::new(31, Id::new("auth", ""))];
    assert_eq!(h.code(&anyone(), &create_acl("/a", 0, auth.clone())), -114);
    // auth expands to the caller's authenticated ids, never ip.
    let ids = [ip(), Id::new("digest", "u:h")];
    assert_eq!(
        h.code(&Caller::new(S1, &ids), &create_acl("/a", 0, auth)),
        0
    );
    let acl = h.eng.tree().node("/a").unwrap().acl();
    assert_eq!(&acl[..], &[Acl::new(31, Id::new("digest", "u:h"))]);
}

#[test]
fn create_parent_lookup_precedes_full_validation() {
    let mut h = Harness::new();
    assert_eq!(h.code(&anyone(), &create("/t1", 0)), 0);
    assert_eq!(h.code(&anyone(), &create("/t1/./x", 0)), NO_NODE);
    assert_eq!(h.code(&anyone(), &create("/t1/../x", 0)), NO_NODE);
    assert_eq!(h.code(&anyone(), &create("/t1/", 0)), BAD_ARGS);
    assert_eq!(h.code(&anyone(), &create("/t1//x", 0)), NO_NODE);
    assert_eq!(h.code(&anyone(), &create("/t1/\u{1}", 0)), BAD_ARGS);
}

#[test]
fn create_needs_create_on_the_parent_before_validation() {
    let mut h = Harness::new();
    assert_eq!(h.code(&anyone(), &create_acl("/ro", 0, read_only())), 0);
    assert_eq!(h.code(&anyone(), &create("/ro/x", 0)), NO_AUTH);
    assert_eq!(h.code(&anyone(), &create("/ro/", 0)), NO_AUTH);
    let su = [Id::new("super", "")];
    assert_eq!(h.code(&Caller::new(S1, &su), &create("/ro/x", 0)), 0);
}

#[test]
fn sequential_create_of_a_trailing_slash_is_valid() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/a", 0));
    let (e, a) = h.write(&anyone(), &create("/a/", 2));
    assert_eq!(a.reply.err, 0);
    let TxnBody::Create(t) = e.body else {
        panic!("{e:?}")
    };
    assert_eq!(t.path, "/a/0000000000");
}

#[test]
fn sequence_numbers_come_from_the_parent_cversion_and_are_never_reused() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/q", 0));
    let mut names = Vec::new();
    for _ in 0..3 {
        let (e, _) = h.write(&anyone(), &create("/q/s-", 2));
        let TxnBody::Create(t) = e.body else { panic!() };
        names.push(t.path);
    }
    assert_eq!(
        names,
        ["/q/s-0000000000", "/q/s-0000000001", "/q/s-0000000002"]
    );
    assert_eq!(h.code(&anyone(), &delete("/q/s-0000000001", -1)), 0);
    let (e, _) = h.write(&anyone(), &create("/q/s-", 2));
    let TxnBody::Create(t) = e.body else { panic!() };
    assert_eq!(t.path, "/q/s-0000000003");
    assert_eq!(t.parent_cversion, 4);
}

#[test]
fn existing_node_is_node_exists_even_under_an_ephemeral() {
    let mut h = Harness::new();
    assert_eq!(h.code(&anyone(), &create("/e", 1)), 0);
    assert_eq!(h.code(&anyone(), &create("/e", 0)), -110);
    assert_eq!(h.code(&anyone(), &create("/e/c", 0)), -108);
}

#[test]
fn delete_refuses_the_four_special_nodes() {
    let mut h = Harness::new();
    for p in ["/", "/zookeeper", "/zookeeper/quota", "/zookeeper/config"] {
        assert_eq!(h.code(&anyone(), &delete(p, -1)), BAD_ARGS, "{p}");
    }
    assert_eq!(h.code(&anyone(), &delete("x", -1)), BAD_ARGS);
    assert_eq!(h.code(&anyone(), &delete("/a\0", -1)), BAD_ARGS);
}

#[test]
fn delete_order_session_parent_acl_node_version_children() {
    let mut h = Harness::new();
    assert_eq!(h.code(&expired(), &delete("/", -1)), -112, "session first");
    assert_eq!(h.code(&anyone(), &delete("/no/x", -1)), NO_NODE);
    h.code(&anyone(), &create_acl("/ro", 0, read_only()));
    let su = [Id::new("super", "")];
    h.code(&Caller::new(S1, &su), &create("/ro/x", 0));
    assert_eq!(h.code(&anyone(), &delete("/ro/missing", -1)), NO_AUTH);
    assert_eq!(h.code(&anyone(), &delete("/missing", -1)), NO_NODE);
    h.code(&anyone(), &create("/p", 0));
    h.code(&anyone(), &create("/p/c", 0));
    assert_eq!(
        h.code(&anyone(), &delete("/p", 3)),
        -103,
        "version before children"
    );
    assert_eq!(h.code(&anyone(), &delete("/p", 0)), -111);
    assert_eq!(h.code(&anyone(), &delete("/p/c", 0)), 0);
    assert_eq!(h.code(&anyone(), &delete("/p", -1)), 0);
}

#[test]
fn set_data_order_and_zookeeper_node_is_writable() {
    let mut h = Harness::new();
    assert_eq!(h.code(&expired(), &set_data("/", -1)), -112);
    assert_eq!(
        h.code(&anyone(), &set_data("/no/", -1)),
        BAD_ARGS,
        "validated first"
    );
    assert_eq!(h.code(&anyone(), &set_data("/no", -1)), NO_NODE);
    assert_eq!(
        h.code(&anyone(), &set_data("/zookeeper/config", 5)),
        NO_AUTH
    );
    assert_eq!(h.code(&anyone(), &set_data("/zookeeper", 5)), -103);
    assert_eq!(h.code(&anyone(), &set_data("/zookeeper", 0)), 0);
    assert_eq!(h.eng.tree().stat("/zookeeper").unwrap().version, 1);
}

#[test]
fn set_acl_order_fixup_before_lookup_then_admin_then_aversion() {
    let mut h = Harness::new();
    let req = |path: &str, acl: Vec<Acl>, version| {
        Request::SetAcl(SetAclRequest {
            path: path.into(),
            acl,
            version,
        })
    };
    assert_eq!(h.code(&anyone(), &req("/a/", vec![], -1)), BAD_ARGS);
    assert_eq!(h.code(&anyone(), &req("/no", vec![], -1)), -114);
    assert_eq!(h.code(&anyone(), &req("/no", read_only(), -1)), NO_NODE);
    h.code(&anyone(), &create_acl("/r", 0, read_only()));
    assert_eq!(h.code(&anyone(), &req("/r", read_only(), -1)), NO_AUTH);
    h.code(&anyone(), &create("/w", 0));
    assert_eq!(h.code(&anyone(), &req("/w", read_only(), 1)), -103);
    let (e, a) = h.write(&anyone(), &req("/w", read_only(), 0));
    assert_eq!(a.reply.err, 0);
    let TxnBody::SetAcl(t) = e.body else { panic!() };
    assert_eq!(t.version, 1);
    assert_eq!(h.eng.tree().stat("/w").unwrap().aversion, 1);
}

#[test]
fn top_level_check_is_unimplemented_and_closes_in_3_9() {
    let mut h = Harness::new();
    let check = Request::Check(CheckVersionRequest {
        path: "/".into(),
        version: -1,
    });
    let r = h.eng.prep_write(&anyone(), 1, 7, 0, &check);
    assert_eq!(
        r,
        Err(Rejected {
            code: ErrorCode::Unimplemented,
            close: true
        })
    );
    let bytes = r.unwrap_err().reply().encode(3);
    assert_eq!(
        hex::encode(bytes),
        "00000003ffffffffffffffffffffff fa".replace(' ', "")
    );
    let mut h = Harness::with(Compat::V3_8_0, false);
    let (e, a) = h.write(&anyone(), &check);
    assert!(matches!(e.body, TxnBody::Check(_)), "{e:?}");
    assert_eq!(a.reply.err, 0);
}

#[test]
fn failed_writes_are_error_txns_without_digest_and_consume_the_zxid() {
    let mut h = Harness::new();
    let (e, a) = h.write(&anyone(), &create("/zookeeper", 0));
    assert_eq!(e.header.txn_type, -1);
    assert_eq!(txn_err(&e), -110);
    assert_eq!(e.digest, None);
    assert_eq!(a.reply.zxid, e.header.zxid);
    assert_eq!(h.eng.last_processed_zxid(), e.header.zxid);
}

#[test]
fn prep_sees_outstanding_changes_and_apply_settles_them() {
    let mut h = Harness::new();
    let a = h.prep(&anyone(), &create("/a", 0));
    let b = h.prep(&anyone(), &create("/a/b", 0));
    let again = h.prep(&anyone(), &create("/a", 0));
    assert_eq!(txn_err(&b), 0, "{b:?}");
    assert_eq!(txn_err(&again), -110);
    let gone = h.prep(&anyone(), &delete("/a/b", 0));
    let set = h.prep(&anyone(), &set_data("/a/b", -1));
    assert_eq!(txn_err(&gone), 0);
    assert_eq!(txn_err(&set), NO_NODE, "pending delete");
    assert!(h.eng.outstanding_changes() > 0);
    for e in [&a, &b, &again, &gone, &set] {
        h.apply(e);
    }
    assert_eq!(h.eng.outstanding_changes(), 0);
    assert_eq!(h.eng.tree().children("/a").unwrap(), Vec::<String>::new());
    assert_eq!(h.eng.tree().stat("/a").unwrap().cversion, 2);
}

#[test]
fn create2_container_and_ttl_replies_carry_the_stat() {
    let mut h = Harness::with(Compat::default(), true);
    let req = |opcode, flags| Request::Create {
        opcode,
        request: CreateRequest {
            path: format!("/n{flags}"),
            data: Some(Bytes::from_static(b"abc")),
            acl: Acl::open_unsafe(),
            flags,
        },
    };
    let (_, a) = h.write(&anyone(), &req(OpCode::Create2, 1));
    let crate::request::Response::Create2(r) = a.reply.response else {
        panic!("{a:?}")
    };
    assert_eq!(r.path, "/n1");
    assert_eq!(r.stat.ephemeral_owner, S1);
    assert_eq!(r.stat.data_length, 3);
    let (_, a) = h.write(&anyone(), &req(OpCode::CreateContainer, 4));
    let crate::request::Response::Create2(r) = a.reply.response else {
        panic!("{a:?}")
    };
    assert_eq!(r.stat.ephemeral_owner, 0, "containers hide their owner");
    let (_, a) = h.write(&anyone(), &req(OpCode::Create, 0));
    assert!(matches!(
        a.reply.response,
        crate::request::Response::Create(_)
    ));
}

#[test]
fn delete_container_rules() {
    let mut h = Harness::new();
    h.code(&anyone(), &create("/c", 4));
    h.code(&anyone(), &create("/c/x", 0));
    h.code(&anyone(), &create("/e", 1));
    let del = |h: &mut Harness, p: &str| {
        h.zxid += 1;
        let e = h.eng.prep_delete_container(p, h.zxid, 0);
        assert_eq!((e.header.client_id, e.header.cxid), (0, 0));
        let a = h.apply(&e);
        assert_eq!(txn_err(&e), a.reply.err);
        (e.header.txn_type, a.reply.err)
    };
    assert_eq!(del(&mut h, "/c"), (-1, -111));
    assert_eq!(del(&mut h, "/e"), (-1, -103));
    assert_eq!(del(&mut h, "/zookeeper"), (-1, BAD_ARGS));
    assert_eq!(
        del(&mut h, "/c/x"),
        (20, 0),
        "no ACL or kind check on persistent"
    );
    assert_eq!(del(&mut h, "/c"), (20, 0));
}
