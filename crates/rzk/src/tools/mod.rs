//! Operator tools for data directories, working on rzk's and Apache
//! ZooKeeper's files alike: `rzk snapshot dump|verify`, `rzk txnlog dump`
//! and `rzk purge` (ZooKeeper's `zkSnapShotToolkit.sh`,
//! `zkTxnLogToolkit.sh` and `zkCleanup.sh`).
//!
//! Modules: loading a snapshot the way ZooKeeper's loader does
//! (`snapload`, with Java's hash-set order in `javahash`), the printers
//! (`snapdump`, `snapverify`, `txndump`, with Java's text forms in
//! `javafmt`), and the purge command (`purgecmd`).
//!
//! Exit statuses: 0 when the command did what it says and found nothing
//! wrong, 1 when it found a problem (printed on standard error, naming the
//! file and offset) or could not run, 2 for bad arguments (clap's).

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

mod javafmt;
mod javahash;
mod purgecmd;
mod snapdump;
mod snapload;
mod snapverify;
mod txndump;

/// `rzk snapshot …`.
#[derive(Debug, Subcommand)]
pub enum SnapshotCommand {
    /// Print a snapshot like ZooKeeper's SnapshotFormatter (zkSnapShotToolkit.sh).
    ///
    /// The compression (none, .gz, .snappy) is taken from the file name.
    Dump {
        /// A snapshot file (`snapshot.<zxid>[.gz|.snappy]`).
        file: PathBuf,
        /// Print each node's data in base64 instead of its length.
        #[arg(long, short = 'd')]
        data: bool,
        /// Print JSON: header, sessions, ACL cache and every node.
        #[arg(long)]
        json: bool,
    },
    /// Decode a whole snapshot, check every seal and the tree's structure.
    ///
    /// Prints what was checked and exits 0, or prints the problem (file,
    /// offset, what) and exits 1.
    Verify {
        /// A snapshot file.
        file: PathBuf,
    },
}

/// `rzk txnlog …`.
#[derive(Debug, Subcommand)]
pub enum TxnlogCommand {
    /// Print a txn log like ZooKeeper's TxnLogToolkit (zkTxnLogToolkit.sh).
    ///
    /// Torn or corrupt entries are reported on standard error with their
    /// offset, and the exit status is then 1.
    Dump {
        /// A txn log file (`log.<zxid>`).
        file: PathBuf,
    },
}

/// `rzk purge DATADIR [-n N] [--log-dir DIR]`.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The dataDir: the directory holding `version-2` with the snapshots
    /// (and the logs, unless --log-dir is given).
    pub data_dir: PathBuf,
    /// How many of the newest snapshots to keep (at least 3).
    #[arg(short = 'n', long = "count", default_value_t = 3)]
    pub count: usize,
    /// The dataLogDir, when the txn logs live apart from the snapshots
    /// (the directory holding its `version-2`).
    #[arg(long = "log-dir")]
    pub log_dir: Option<PathBuf>,
}

/// Runs `rzk snapshot …`; returns the exit status.
pub fn snapshot(cmd: SnapshotCommand) -> i32 {
    match cmd {
        SnapshotCommand::Dump { file, data, json } => snapshot_dump(&file, data, json),
        SnapshotCommand::Verify { file } => snapshot_verify(&file),
    }
}

/// Runs `rzk txnlog …`; returns the exit status.
pub fn txnlog(cmd: TxnlogCommand) -> i32 {
    match cmd {
        TxnlogCommand::Dump { file } => txnlog_dump(&file),
    }
}

/// Runs `rzk purge`; returns the exit status.
pub fn purge(args: PurgeArgs) -> i32 {
    purgecmd::run(&args)
}

fn snapshot_dump(file: &std::path::Path, data: bool, json: bool) -> i32 {
    let snap = match snapload::load(file) {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    let tree = match snapload::JavaTree::build(&snap.nodes) {
        Ok(t) => t,
        Err(e) => return fail(&format!("{}: {e}", file.display())),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let written = if json {
        let v = snapdump::to_json(&snap, &tree, data);
        serde_json::to_writer_pretty(&mut out, &v)
            .map_err(io::Error::other)
            .and_then(|()| writeln!(out))
    } else {
        snapdump::write_text(&snap, &tree, data, &mut out)
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        return output_failed(&e);
    }
    if tree.order_may_differ() {
        eprintln!(
            "rzk: note: a node has many children with colliding hashes; ZooKeeper may list them in another order"
        );
    }
    match &snap.tail {
        Ok(_) => 0,
        // ZooKeeper's formatter never reads past the nodes; rzk does, and
        // says so when what follows them is damaged.
        Err(e) => fail(&format!(
            "{}: {}{e}",
            file.display(),
            snapload::stream_note(snap.compression)
        )),
    }
}

fn snapshot_verify(file: &std::path::Path) -> i32 {
    let snap = match snapload::load(file) {
        Ok(s) => s,
        Err(e) => {
            println!("file: {}", file.display());
            println!("FAILED");
            return fail(&e.to_string());
        }
    };
    let verdict = snapverify::verify(&snap);
    print!("{}", verdict.report);
    match verdict.problem {
        None => {
            println!("OK");
            0
        }
        Some(p) => {
            println!("FAILED");
            fail(&p)
        }
    }
}

fn txnlog_dump(file: &std::path::Path) -> i32 {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(&format!("{}: {e}", file.display())),
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let outcome = match txndump::dump(&bytes, &mut out).and_then(|o| out.flush().map(|()| o)) {
        Ok(o) => o,
        Err(e) => return output_failed(&e),
    };
    for p in &outcome.problems {
        eprintln!("rzk: {}: {p}", file.display());
    }
    i32::from(!outcome.problems.is_empty())
}

fn fail(msg: &str) -> i32 {
    eprintln!("rzk: {msg}");
    1
}

/// Output went away (e.g. `| head`): not worth a message unless it is
/// something else.
fn output_failed(e: &io::Error) -> i32 {
    if e.kind() != io::ErrorKind::BrokenPipe {
        eprintln!("rzk: writing the output: {e}");
    }
    1
}
