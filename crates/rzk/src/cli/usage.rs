//! zkCli's command table: which words are commands and the usage lines it
//! prints (sorted, on stderr) for an unknown command.

/// Every command zkCli knows, with its option summary, sorted as zkCli
/// sorts them (by `String.compareTo`, so upper case first).
pub const COMMANDS: &[(&str, &str)] = &[
    ("addWatch", "[-m mode] path # optional mode is one of [PERSISTENT, PERSISTENT_RECURSIVE] - default is PERSISTENT_RECURSIVE"),
    ("addauth", "scheme auth"),
    ("close", ""),
    ("config", "[-c] [-w] [-s]"),
    ("connect", "host:port"),
    ("create", "[-s] [-e] [-c] [-t ttl] path [data] [acl]"),
    ("delete", "[-v version] path"),
    ("deleteall", "path [-b batch size]"),
    ("delquota", "[-n|-b|-N|-B] path"),
    ("get", "[-s] [-w] path"),
    ("getAcl", "[-s] path"),
    ("getAllChildrenNumber", "path"),
    ("getEphemerals", "path"),
    ("history", ""),
    ("listquota", "path"),
    ("ls", "[-s] [-w] [-R] path"),
    ("printwatches", "on|off"),
    ("quit", ""),
    ("reconfig", "[-s] [-v version] [[-file path] | [-members serverID=host:port1:port2;port3[,...]*]] | [-add serverId=host:port1:port2;port3[,...]]* [-remove serverId[,...]*]"),
    ("redo", "cmdno"),
    ("removewatches", "path [-c|-d|-a] [-l]"),
    ("set", "[-s] [-v version] path data"),
    ("setAcl", "[-s] [-v version] [-R] path acl"),
    ("setquota", "-n|-b|-N|-B val path"),
    ("stat", "[-w] path"),
    ("sync", "path"),
    ("version", ""),
    ("whoami", ""),
];

/// Whether `word` is a command.
pub fn is_command(word: &str) -> bool {
    COMMANDS.iter().any(|(c, _)| *c == word)
}

/// `cmd options`, the text of a command's `CliParseException`.
pub fn usage_of(command: &str) -> String {
    let opts = COMMANDS
        .iter()
        .find(|(c, _)| *c == command)
        .map_or("", |(_, o)| o);
    format!("{command} {opts}")
}

/// The lines of `ZooKeeperMain.usage()`.
pub fn usage_lines() -> Vec<String> {
    let mut lines =
        vec!["ZooKeeper -server host:port -client-configuration properties-file cmd args".into()];
    lines.extend(COMMANDS.iter().map(|(c, o)| format!("\t{c} {o}")));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_like_java() {
        let mut sorted: Vec<&str> = COMMANDS.iter().map(|(c, _)| *c).collect();
        sorted.sort_unstable();
        let names: Vec<&str> = COMMANDS.iter().map(|(c, _)| *c).collect();
        assert_eq!(names, sorted);
        assert_eq!(usage_of("ls"), "ls [-s] [-w] [-R] path");
        assert_eq!(usage_of("close"), "close ");
        assert!(is_command("getAcl") && !is_command("getacl"));
    }
}
