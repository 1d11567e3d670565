//! The `rzk` command. Its subcommands are the ways to use rzk from a shell:
//! `rzk server`, a standalone ZooKeeper-compatible server, and `rzk cli`, a
//! ZooKeeper shell compatible with `zkCli.sh`.

use clap::{Parser, Subcommand};

mod cli;
mod server;

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
    /// A zkCli.sh-compatible shell:
    /// `rzk cli -server host:port[,…] [-timeout ms] [-r] [command args…]`.
    /// zkCli's own single-dash flags are passed through untouched.
    #[command(disable_help_flag = true)]
    Cli {
        /// zkCli flags, then an optional command and its arguments.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, num_args = 0..)]
        args: Vec<String>,
    },
}

fn main() {
    let rzk = Rzk::parse();
    let code = match rzk.command {
        Command::Server { config } => server::run(config),
        Command::Cli { args } => cli::run(&args),
    };
    std::process::exit(code);
}
