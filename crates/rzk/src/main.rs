//! The `rzk` command. Its subcommands are the ways to use rzk from a shell;
//! for now `rzk cli`, a ZooKeeper shell compatible with `zkCli.sh`.

use clap::{Parser, Subcommand};

mod cli;

/// rzk: Apache ZooKeeper rebuilt in Rust.
#[derive(Debug, Parser)]
#[command(name = "rzk", version, about)]
struct Rzk {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
        Command::Cli { args } => cli::run(&args),
    };
    std::process::exit(code);
}
