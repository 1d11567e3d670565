//! `4lw.commands.whitelist` (`PROTOCOL.md` §4.1,
//! `srv/command/FourLetterCommands.isEnabled`).
//!
//! The value is a comma-separated list of command names, each trimmed; `*`
//! enables every command; names ZooKeeper does not know are ignored (they
//! can never match a command). Whatever the list says, `srvr` is always
//! enabled (zkServer.sh's `status` uses it), and `isro` is added when
//! read-only mode is enabled. Names are case-sensitive, as in Java.

use std::collections::BTreeSet;

use rzk_proto::codec::FourLetterCommand;

/// The set of four-letter words a server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FourLetterWhitelist {
    enabled: BTreeSet<FourLetterCommand>,
}

impl Default for FourLetterWhitelist {
    /// ZooKeeper's default: only `srvr`.
    fn default() -> Self {
        Self::parse(None, false)
    }
}

impl FourLetterWhitelist {
    /// Builds the set from the property value (`None` when the key is not
    /// set) and the `readonlymode.enabled` switch.
    pub fn parse(list: Option<&str>, read_only_mode: bool) -> Self {
        let mut enabled = BTreeSet::new();
        for name in list.into_iter().flat_map(|l| l.split(',')) {
            let name = super::properties::java_trim(name);
            if name == "*" {
                enabled.extend(FourLetterCommand::ALL.iter().copied());
                break;
            }
            if let Some(cmd) = Self::by_name(name) {
                enabled.insert(cmd);
            }
        }
        if read_only_mode {
            enabled.insert(FourLetterCommand::Isro);
        }
        enabled.insert(FourLetterCommand::Srvr);
        Self { enabled }
    }

    /// The command a whitelist entry names. Java's name for the telnet
    /// close sequence is `telnet close`; rzk-proto calls it `telnet-close`,
    /// and both are accepted.
    fn by_name(name: &str) -> Option<FourLetterCommand> {
        if name == "telnet close" {
            return Some(FourLetterCommand::TelnetClose);
        }
        FourLetterCommand::ALL
            .iter()
            .copied()
            .find(|c| c.name() == name)
    }

    /// Whether the server answers `cmd`.
    pub fn is_enabled(&self, cmd: FourLetterCommand) -> bool {
        self.enabled.contains(&cmd)
    }

    /// The enabled commands, in a fixed order.
    pub fn commands(&self) -> impl Iterator<Item = FourLetterCommand> + '_ {
        self.enabled.iter().copied()
    }

    /// The text ZooKeeper answers a command that is not whitelisted
    /// (§4.1, seen on a live 3.8.0), newline included.
    pub fn refusal(cmd: FourLetterCommand) -> String {
        format!(
            "{} is not executed because it is not in the whitelist.\n",
            cmd.name()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FourLetterCommand as C;

    fn names(w: &FourLetterWhitelist) -> Vec<&'static str> {
        w.commands().map(|c| c.name()).collect()
    }

    #[test]
    fn table() {
        #[rustfmt::skip]
        let cases: [(Option<&str>, bool, &[&str]); 9] = [
            (None, false, &["srvr"]),
            (None, true, &["isro", "srvr"]),
            (Some(""), false, &["srvr"]),
            (Some("ruok"), false, &["ruok", "srvr"]),
            (Some(" ruok , mntr ,, stat "), false, &["mntr", "ruok", "srvr", "stat"]),
            (Some("ruok,bogus,RUOK"), false, &["ruok", "srvr"]),
            (Some("srvr"), true, &["isro", "srvr"]),
            (Some("ruok, *"), false, &["conf", "cons", "crst", "dirs", "dump", "envi", "gtmk",
                "hash", "isro", "mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp",
                "wchs", "telnet-close"]),
            (Some(" * "), false, &["conf", "cons", "crst", "dirs", "dump", "envi", "gtmk",
                "hash", "isro", "mntr", "ruok", "srst", "srvr", "stat", "stmk", "wchc", "wchp",
                "wchs", "telnet-close"]),
        ];
        for (list, ro, want) in cases {
            assert_eq!(
                names(&FourLetterWhitelist::parse(list, ro)),
                want,
                "{list:?} {ro}"
            );
        }
        assert_eq!(
            FourLetterWhitelist::default(),
            FourLetterWhitelist::parse(None, false)
        );
        assert!(FourLetterWhitelist::parse(Some("telnet close"), false).is_enabled(C::TelnetClose));
    }

    #[test]
    fn refusal_text_matches_zookeeper() {
        assert_eq!(
            FourLetterWhitelist::refusal(C::Mntr),
            "mntr is not executed because it is not in the whitelist.\n"
        );
    }
}
