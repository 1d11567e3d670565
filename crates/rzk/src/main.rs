//! The `rzk` command. Its subcommands are the ways to use rzk from a shell:
//! `rzk server`, a standalone ZooKeeper-compatible server, `rzk cli`, a
//! ZooKeeper shell compatible with `zkCli.sh`, and the data-directory tools
//! `rzk snapshot`, `rzk txnlog` and `rzk purge`.

use clap::{Parser, Subcommand};

mod bench;
mod cli;
mod server;
mod tools;

/// rzk: Apache ZooKeeper rebuilt in Rust.
#[derive(Debug, Parser)]
#[command(name = "rzk", version, about)]
struct Rzk {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// A standalone server: `rzk server [zoo.cfg]`. Without a file, clientPort
    /// 2181 on 127.0.0.1, dataDir ./rzk-data, tickTime 2000.
    Server {
        /// A ZooKeeper `zoo.cfg`.
        config: Option<std::path::PathBuf>,
    },
    /// Load drivers for side-by-side measurements.
    Bench {
        /// The workload (boxed: its options are large next to the other
        /// commands').
        #[command(subcommand)]
        workload: Box<bench::Workload>,
    },
    /// A ZooKeeper shell compatible with zkCli.sh.
    ///
    /// `rzk cli [-server host:port[,…][/chroot]] [-timeout ms] [-r] [command args…]`
    ///
    /// With a command: runs it, prints what zkCli prints and exits with
    /// zkCli's status. Without: reads commands from standard input, one per
    /// line, or on a terminal interactively, with line editing, history and
    /// znode path completion. Type `help` (an unknown command) for the
    /// command list, as in zkCli.
    Cli {
        /// zkCli flags, then an optional command and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
    /// Inspect and check snapshot files (rzk's or Apache ZooKeeper's).
    Snapshot {
        /// What to do.
        #[command(subcommand)]
        command: tools::SnapshotCommand,
    },
    /// Inspect txn log files (rzk's or Apache ZooKeeper's).
    Txnlog {
        /// What to do.
        #[command(subcommand)]
        command: tools::TxnlogCommand,
    },
    /// Remove old snapshots and txn logs, keeping the newest N snapshots
    /// and the logs they need (ZooKeeper's PurgeTxnLog / zkCleanup.sh).
    Purge(tools::PurgeArgs),
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let rzk = Rzk::parse();
    let code = match rzk.command {
        Command::Server { config } => server::run(config),
        Command::Bench { workload } => bench::run(*workload),
        Command::Cli { args } => cli::run(&args),
        Command::Snapshot { command } => tools::snapshot(command),
        Command::Txnlog { command } => tools::txnlog(command),
        Command::Purge(args) => tools::purge(args),
    };
    std::process::exit(code);
}
