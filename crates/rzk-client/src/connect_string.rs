//! Parsing of connect strings: `host:port[,host:port…][/chroot]`.

use crate::error::{Error, Result};

/// A parsed connect string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectString {
    /// `host:port` entries in the order given (the client shuffles them).
    pub servers: Vec<String>,
    /// The chroot, without a trailing `/`; `None` for the root.
    pub chroot: Option<String>,
}

impl ConnectString {
    /// Parses `host[:port][,…][/chroot]`; a missing port is 2181, as in the
    /// Java client. Fails on an empty server list or an invalid chroot.
    pub fn parse(s: &str) -> Result<Self> {
        let (hosts, chroot) = match s.find('/') {
            Some(i) => (&s[..i], Some(&s[i..])),
            None => (s, None),
        };
        let chroot = match chroot {
            None | Some("/") => None,
            Some(c) => {
                if c.ends_with('/') || c.contains("//") {
                    return Err(Error::BadArguments(format!("invalid chroot {c:?}")));
                }
                Some(c.to_string())
            }
        };
        let servers: Vec<String> = hosts
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(|h| {
                let bracketed_v6 = h.starts_with('[') && h.ends_with(']');
                if h.rsplit_once(':')
                    .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
                    && !bracketed_v6
                {
                    h.to_string()
                } else {
                    format!("{h}:2181")
                }
            })
            .collect();
        if servers.is_empty() {
            return Err(Error::BadArguments(format!("no servers in {s:?}")));
        }
        Ok(Self { servers, chroot })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_ports_and_chroot() {
        let c = ConnectString::parse("a:1,b:2/app/x").unwrap();
        assert_eq!(c.servers, vec!["a:1", "b:2"]);
        assert_eq!(c.chroot.as_deref(), Some("/app/x"));
        let c = ConnectString::parse("127.0.0.1").unwrap();
        assert_eq!(c.servers, vec!["127.0.0.1:2181"]);
        assert_eq!(c.chroot, None);
        assert_eq!(ConnectString::parse("h:1/").unwrap().chroot, None);
        assert!(ConnectString::parse("h:1/a/").is_err());
        assert!(ConnectString::parse("").is_err());
    }
}
