//! `rzk txnlog dump FILE`: `TxnLogToolkit`'s dump (`zkTxnLogToolkit.sh`,
//! 3.8), line for line on a sound log:
//!
//! ```text
//! ZooKeeper Transactional Log File with dbid 0 txnlog format version 2
//! 11/14/23, 10:13:21 PM UTC session 0x1000a3bc1d20000 cxid 0x0 zxid 0x100000001 createSession 30000
//! …
//! EOF reached after 11 txns.
//! ```
//!
//! Each line is the txn time (Java's short date, long time; UTC here),
//! session, cxid and zxid in hex, the type as `Request.op2String` names it,
//! and the record as the toolkit formats it (some fields joined by commas,
//! other records in jute's `toString()` form, multi operations as their
//! raw bytes).
//!
//! Where the toolkit stops silently or dies, rzk says what happened on
//! standard error, with the offset, and exits 1:
//! * a torn last entry (cut short, or no `0x42` end byte): what the
//!   toolkit calls "EOF reached" (or "Last transaction was partial.");
//! * a checksum mismatch: printed as the toolkit does (`CRC ERROR - ` and
//!   the line, then the line), and reading goes on;
//! * a txn that does not decode (the toolkit throws): reported, and
//!   reading goes on with the next entry;
//! * an impossible length: reading stops.
//!
//! Exit status 0 means every entry was whole, checksummed and decoded.

use std::io::{self, Write};

use rzk_proto::disk::{txn_checksum, FileHeader, END_OF_RECORD, FILE_HEADER_LEN, TXNLOG_MAGIC};
use rzk_proto::jute::{Jute, Reader, Record, DEFAULT_MAX_BUFFER};
use rzk_proto::txn::{MultiTxn, TxnBody, TxnEntry};

use super::javafmt::{acl_list_to_string, short_long_date_time, utf8_or_empty, JuteText};

/// How a dump went, for the exit status and the closing message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DumpOutcome {
    /// Whole entries read (the toolkit's count).
    pub txns: usize,
    /// Problems found, each naming its offset, in file order.
    pub problems: Vec<String>,
}

/// Dumps the log in `file` (its whole content) to `out`. Problems are
/// returned, not printed, so the caller decides where they go.
pub fn dump(file: &[u8], out: &mut dyn Write) -> io::Result<DumpOutcome> {
    let mut outcome = DumpOutcome::default();
    let header = match file
        .get(..FILE_HEADER_LEN)
        .map(|h| FileHeader::from_bytes(bytes::Bytes::copy_from_slice(h)))
    {
        Some(Ok(h)) if h.magic == TXNLOG_MAGIC => h,
        Some(Ok(h)) => {
            outcome.problems.push(format!(
                "offset 0: invalid magic number {:#x} (a txn log starts with 0x5a4b4c47, \"ZKLG\")",
                h.magic
            ));
            return Ok(outcome);
        }
        _ => {
            outcome.problems.push(format!(
                "offset 0: {} bytes, too short for the 16-byte file header",
                file.len()
            ));
            return Ok(outcome);
        }
    };
    writeln!(
        out,
        "ZooKeeper Transactional Log File with dbid {} txnlog format version {}",
        header.dbid, header.version
    )?;
    let max_len = DEFAULT_MAX_BUFFER * 2;
    let mut at = FILE_HEADER_LEN;
    loop {
        let rest = &file[at..];
        if rest.is_empty() {
            break;
        }
        if rest.len() < 12 {
            outcome.problems.push(format!(
                "offset {at}: torn entry: {} bytes, fewer than a checksum and a length",
                rest.len()
            ));
            break;
        }
        let stored = i64::from_be_bytes(array8(&rest[..8]));
        let len = i32::from_be_bytes([rest[8], rest[9], rest[10], rest[11]]);
        if len == 0 {
            // Preallocated zeros: the toolkit's (and the server's) end.
            break;
        }
        let Some(len) = usize::try_from(len).ok().filter(|&n| n <= max_len) else {
            outcome.problems.push(format!(
                "offset {}: txn length {len} is impossible (allowed 1..={max_len}); stopping",
                at + 8
            ));
            break;
        };
        let Some(txn) = rest.get(12..12 + len) else {
            outcome.problems.push(format!(
                "offset {at}: torn entry: its txn needs {len} bytes, {} left",
                rest.len() - 12
            ));
            break;
        };
        let computed = txn_checksum(txn);
        if stored != computed {
            outcome.problems.push(format!(
                "offset {at}: checksum mismatch: stored {stored:#x}, computed {computed:#x}"
            ));
            match txn_line(txn) {
                Ok(line) => write!(out, "CRC ERROR - {line}")?,
                Err(e) => outcome.problems.push(format!("offset {}: {e}", at + 12)),
            }
        }
        match txn_line(txn) {
            Ok(line) => write!(out, "{line}")?,
            Err(e) => {
                if stored == computed {
                    outcome.problems.push(format!("offset {}: {e}", at + 12));
                }
            }
        }
        match rest.get(12 + len) {
            Some(&END_OF_RECORD) => {}
            Some(&b) => {
                outcome.problems.push(format!(
                    "offset {}: Last transaction was partial (end-of-record byte {b:#04x}, not 0x42)",
                    at + 12 + len
                ));
                break;
            }
            None => {
                outcome.problems.push(format!(
                    "offset {}: torn entry: the file ends where its end-of-record byte belongs",
                    at + 12 + len
                ));
                break;
            }
        }
        outcome.txns += 1;
        at += 12 + len + 1;
    }
    writeln!(out, "EOF reached after {} txns.", outcome.txns)?;
    Ok(outcome)
}

fn array8(b: &[u8]) -> [u8; 8] {
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    a
}

/// One txn as `TxnLogToolkit.printTxn` prints it, newline included.
pub fn txn_line(txn: &[u8]) -> Result<String, String> {
    let entry = TxnEntry::from_bytes(bytes::Bytes::copy_from_slice(txn))
        .map_err(|e| format!("cannot decode the txn: {e}"))?;
    let h = &entry.header;
    let body = match &entry.body {
        TxnBody::Multi(_) => multi_text(txn)?,
        other => body_text(other),
    };
    let line = format!(
        "{} session 0x{:x} cxid 0x{:x} zxid 0x{:x} {} {body}",
        short_long_date_time(h.time),
        h.client_id,
        i64::from(h.cxid),
        h.zxid,
        op_name(h.txn_type)
    );
    Ok(if line.ends_with('\n') {
        line
    } else {
        line + "\n"
    })
}

/// `TxnLogToolkit.getFormattedTxnStr` for everything but multi.
fn body_text(body: &TxnBody) -> String {
    let data = |d: &Option<bytes::Bytes>| utf8_or_empty(d.as_deref());
    match body {
        TxnBody::Create(t) | TxnBody::Create2(t) => format!(
            "{},{},{},{},{}",
            t.path,
            data(&t.data),
            acl_list_to_string(&t.acl),
            t.ephemeral,
            t.parent_cversion
        ),
        TxnBody::CreateV0(t) => {
            let t = t.upgrade();
            format!(
                "{},{},{},{},{}",
                t.path,
                data(&t.data),
                acl_list_to_string(&t.acl),
                t.ephemeral,
                t.parent_cversion
            )
        }
        TxnBody::SetData(t) | TxnBody::Reconfig(t) => {
            format!("{},{},{}", t.path, data(&t.data), t.version)
        }
        TxnBody::CreateContainer(t) => format!(
            "{},{},{},{}",
            t.path,
            data(&t.data),
            acl_list_to_string(&t.acl),
            t.parent_cversion
        ),
        TxnBody::CreateTtl(t) => format!(
            "{},{},{},{},{}",
            t.path,
            data(&t.data),
            acl_list_to_string(&t.acl),
            t.parent_cversion,
            t.ttl
        ),
        // The rest print as jute's toString().
        TxnBody::CreateSession(t) => JuteText::record().long(t.timeout.into()).finish(),
        TxnBody::CloseSession(None) => String::new(),
        TxnBody::CloseSession(Some(t)) => JuteText::record()
            .vector(&t.paths_to_delete, |j, p| {
                j.string(p);
            })
            .finish(),
        TxnBody::Delete(t) | TxnBody::DeleteContainer(t) => {
            JuteText::record().string(&t.path).finish()
        }
        TxnBody::SetAcl(t) => JuteText::record()
            .string(&t.path)
            .vector(&t.acl, |j, a| {
                j.acl(a);
            })
            .long(t.version.into())
            .finish(),
        TxnBody::Error(t) => JuteText::record().long(t.err.into()).finish(),
        // ZooKeeper cannot read a top-level check back (it throws); rzk
        // prints it as its record's toString().
        TxnBody::Check(t) => JuteText::record()
            .string(&t.path)
            .long(t.version.into())
            .finish(),
        TxnBody::Multi(_) => String::new(),
    }
}

/// A multi as the toolkit prints it: `type:data` per operation, joined by
/// `;`, where data is the operation's raw record bytes read as UTF-8.
fn multi_text(txn: &[u8]) -> Result<String, String> {
    let mut r = Reader::new(bytes::Bytes::copy_from_slice(txn));
    let parsed = rzk_proto::txn::TxnHeader::read(&mut r, "hdr")
        .and_then(|_| MultiTxn::read(&mut r, "txn"))
        .map_err(|e| format!("cannot decode the multi txn: {e}"))?;
    let parts: Vec<String> = parsed
        .txns
        .iter()
        .map(|t| format!("{}:{}", op_name(t.txn_type), utf8_or_empty(Some(&t.data))))
        .collect();
    Ok(parts.join(";"))
}

/// `Request.op2String` (3.8).
pub fn op_name(op: i32) -> String {
    let name = match op {
        0 => "notification",
        1 => "create",
        2 => "delete",
        3 => "exists",
        4 => "getData",
        5 => "setData",
        6 => "getACL",
        7 => "setACL",
        8 => "getChildren",
        9 => "sync",
        11 => "ping",
        12 => "getChildren2",
        13 => "check",
        14 => "multi",
        15 => "create2",
        16 => "reconfig",
        17 => "checkWatches",
        18 => "removeWatches",
        19 => "createContainer",
        20 => "deleteContainer",
        21 => "createTtl",
        22 => "multiRead",
        100 => "auth",
        101 => "setWatches",
        105 => "setWatches2",
        102 => "sasl",
        103 => "getEphemerals",
        104 => "getAllChildrenNumber",
        -10 => "createSession",
        -11 => "closeSession",
        -1 => "error",
        107 => "whoAmI",
        other => return format!("unknown {other}"),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rzk_proto::disk::{encode_entry, FileHeader};
    use rzk_proto::txn::CreateSessionTxn;

    fn entry_bytes(zxid: i64) -> Vec<u8> {
        let e = TxnEntry::new(
            0x100,
            -1,
            zxid,
            0,
            TxnBody::CreateSession(CreateSessionTxn { timeout: 30000 }),
            None,
        );
        e.to_bytes().to_vec()
    }

    fn log(entries: &[Vec<u8>]) -> Vec<u8> {
        let mut out = bytes::BytesMut::new();
        FileHeader::txn_log().write(&mut out);
        for e in entries {
            encode_entry(e, &mut out);
        }
        out.to_vec()
    }

    fn run(file: &[u8]) -> (String, DumpOutcome) {
        let mut out = Vec::new();
        let o = dump(file, &mut out).unwrap();
        (String::from_utf8(out).unwrap(), o)
    }

    #[test]
    fn sound_log_prints_the_toolkit_lines() {
        let mut file = log(&[entry_bytes(1), entry_bytes(2)]);
        file.extend_from_slice(&[0; 100]); // preallocation
        let (text, o) = run(&file);
        assert_eq!(
            text,
            "ZooKeeper Transactional Log File with dbid 0 txnlog format version 2\n\
             1/1/70, 12:00:00 AM UTC session 0x100 cxid 0xffffffffffffffff zxid 0x1 createSession 30000\n\
             1/1/70, 12:00:00 AM UTC session 0x100 cxid 0xffffffffffffffff zxid 0x2 createSession 30000\n\
             EOF reached after 2 txns.\n"
        );
        assert_eq!(
            o,
            DumpOutcome {
                txns: 2,
                problems: vec![]
            }
        );
    }

    #[test]
    fn torn_and_corrupt_entries_are_named_with_their_offsets() {
        let file = log(&[entry_bytes(1), entry_bytes(2)]);
        let second = 16 + 13 + entry_bytes(1).len();

        // Cut inside the second entry's txn.
        let (text, o) = run(&file[..second + 20]);
        assert!(text.ends_with("EOF reached after 1 txns.\n"), "{text}");
        assert_eq!(o.txns, 1);
        assert!(
            o.problems[0].starts_with(&format!("offset {second}: torn entry")),
            "{o:?}"
        );

        // Cut in the checksum/length prefix.
        let (_, o) = run(&file[..second + 5]);
        assert!(o.problems[0].contains("fewer than a checksum"), "{o:?}");

        // Missing and wrong end-of-record byte.
        let (_, o) = run(&file[..file.len() - 1]);
        assert!(
            o.problems[0].contains("end-of-record byte belongs"),
            "{o:?}"
        );
        let mut bad = file.clone();
        let last = bad.len() - 1;
        bad[last] = 0x41;
        let (text, o) = run(&bad);
        assert_eq!(
            text.lines().count(),
            4,
            "the line prints before the EOR check"
        );
        assert!(
            o.problems[0].contains("Last transaction was partial"),
            "{o:?}"
        );

        // A checksum mismatch prints twice, as the toolkit does, and goes on.
        let mut bad = file.clone();
        bad[second + 7] ^= 1;
        let (text, o) = run(&bad);
        assert!(text.contains("CRC ERROR - 1/1/70"), "{text}");
        assert_eq!(o.txns, 2);
        assert_eq!(o.problems.len(), 1);
        assert!(o.problems[0].starts_with(&format!("offset {second}: checksum mismatch")));

        // An impossible length stops the dump.
        let mut bad = file.clone();
        bad[second + 8..second + 12].copy_from_slice(&(-7i32).to_be_bytes());
        let (_, o) = run(&bad);
        assert!(
            o.problems[0].contains("txn length -7 is impossible"),
            "{o:?}"
        );

        // Not a log at all.
        let (text, o) = run(b"ZKSN\0\0\0\x02\xff\xff\xff\xff\xff\xff\xff\xff");
        assert!(text.is_empty());
        assert!(o.problems[0].contains("invalid magic number"), "{o:?}");
        let (_, o) = run(b"ZK");
        assert!(o.problems[0].contains("too short"), "{o:?}");
    }

    #[test]
    fn an_undecodable_txn_is_reported_and_skipped() {
        let mut junk = entry_bytes(1);
        junk[28..32].copy_from_slice(&99i32.to_be_bytes()); // unknown type
        let file = log(&[junk, entry_bytes(2)]);
        let (text, o) = run(&file);
        assert_eq!(o.txns, 2);
        assert_eq!(o.problems.len(), 1);
        assert!(o.problems[0].contains("cannot decode the txn"), "{o:?}");
        assert!(text.contains("zxid 0x2 createSession"));
    }

    #[test]
    fn op_names_follow_request_op2string() {
        assert_eq!(op_name(21), "createTtl");
        assert_eq!(op_name(-11), "closeSession");
        assert_eq!(op_name(106), "unknown 106");
    }
}
