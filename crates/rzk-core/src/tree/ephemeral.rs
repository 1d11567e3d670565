//! How a znode's stored `ephemeralOwner` encodes its kind
//! (`srv/EphemeralType`, `PROTOCOL.md` §3.4): 0 is persistent, a session id
//! is ephemeral, `Long.MIN_VALUE` is a container, and — only when extended
//! types are enabled — `0xFF…` with a 40-bit TTL is a TTL node.

/// The stored owner of every container.
pub const CONTAINER_OWNER: i64 = i64::MIN;
/// The largest TTL in ms (the low 40 bits; about 12,725 days).
pub const MAX_TTL: i64 = 0xFF_FFFF_FFFF;
/// The marker byte of extended types (bits 56–63 all set).
const EXTENDED_MASK: i64 = 0xFF00_0000_0000_0000_u64 as i64;

/// The kinds a stored `ephemeralOwner` denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EphemeralType {
    /// Persistent (owner 0).
    Void,
    /// Ephemeral: the owner is a session id.
    Normal,
    /// A container (`Long.MIN_VALUE`).
    Container,
    /// A TTL node.
    Ttl,
}

/// The server settings that change how owners are read
/// (`zookeeper.extendedTypesEnabled`, `zookeeper.emulate353TTLNodes`).
/// Both default to off, as in ZooKeeper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExtendedTypes {
    /// TTL nodes exist; session ids must then come from server ids ≤ 254.
    pub enabled: bool,
    /// Also read 3.5.3-era TTL owners (any negative owner other than the
    /// container marker). Only meaningful with `enabled`.
    pub emulate_353: bool,
}

impl ExtendedTypes {
    /// `EphemeralType.get`. With extended types on, an owner with the `0xFF`
    /// marker but an unknown feature number makes Java throw; such owners
    /// cannot arise (session ids of server 255 are refused), and we read
    /// them as TTL rather than fail a request.
    pub fn classify(self, owner: i64) -> EphemeralType {
        if self.enabled {
            if self.emulate_353 && owner < 0 && owner != CONTAINER_OWNER {
                return EphemeralType::Ttl;
            }
            if owner & EXTENDED_MASK == EXTENDED_MASK {
                return EphemeralType::Ttl;
            }
        }
        match owner {
            CONTAINER_OWNER => EphemeralType::Container,
            0 => EphemeralType::Void,
            _ => EphemeralType::Normal,
        }
    }

    /// The owner clients see in a Stat: the session for real ephemerals,
    /// 0 for everything else (containers and TTL nodes hide their marker).
    pub fn client_owner(self, owner: i64) -> i64 {
        match self.classify(owner) {
            EphemeralType::Normal => owner,
            _ => 0,
        }
    }

    /// The TTL in ms of a TTL node's owner (`TTL.getValue`: the low 40
    /// bits), or `None` when the owner is not a TTL owner.
    pub fn ttl_of(self, owner: i64) -> Option<i64> {
        (self.classify(owner) == EphemeralType::Ttl).then_some(owner & MAX_TTL)
    }
}

/// `EphemeralType.TTL.toEphemeralOwner`: the stored owner of a TTL node,
/// or `None` unless `0 < ttl ≤ MAX_TTL` (BadArguments in the request).
pub fn ttl_owner(ttl: i64) -> Option<i64> {
    (ttl > 0 && ttl <= MAX_TTL).then_some(EXTENDED_MASK | ttl)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFF: ExtendedTypes = ExtendedTypes {
        enabled: false,
        emulate_353: false,
    };
    const ON: ExtendedTypes = ExtendedTypes {
        enabled: true,
        emulate_353: false,
    };
    const EMU: ExtendedTypes = ExtendedTypes {
        enabled: true,
        emulate_353: true,
    };

    /// §3.4: the ephemeralOwner encoding table.
    #[test]
    fn owner_encoding_table_3_4() {
        let session = 0x0100_0004_550b_0000_i64;
        let ttl = ttl_owner(5000).unwrap_or(0);
        assert_eq!(ttl as u64, 0xFF00_0000_0000_1388);
        let legacy_ttl = (0x8000_0000_0000_0000_u64 as i64) | 5000;
        #[rustfmt::skip]
        let cases = [
            // owner, config, kind, owner seen by clients
            (0, OFF, EphemeralType::Void, 0),
            (session, OFF, EphemeralType::Normal, session),
            (CONTAINER_OWNER, OFF, EphemeralType::Container, 0),
            (CONTAINER_OWNER, ON, EphemeralType::Container, 0),
            (CONTAINER_OWNER, EMU, EphemeralType::Container, 0),
            (ttl, ON, EphemeralType::Ttl, 0),
            (ttl, OFF, EphemeralType::Normal, ttl), // not recognised without the flag
            (legacy_ttl, ON, EphemeralType::Normal, legacy_ttl),
            (legacy_ttl, EMU, EphemeralType::Ttl, 0),
            (ttl, EMU, EphemeralType::Ttl, 0),
            (session, EMU, EphemeralType::Normal, session),
        ];
        for (owner, cfg, kind, client) in cases {
            assert_eq!(cfg.classify(owner), kind, "{owner:#x} {cfg:?}");
            assert_eq!(cfg.client_owner(owner), client, "{owner:#x} {cfg:?}");
        }
        assert_eq!(ON.ttl_of(ttl), Some(5000));
        assert_eq!(OFF.ttl_of(ttl), None);
        assert_eq!(EMU.ttl_of(legacy_ttl), Some(5000));
    }

    /// §3.4: 0 < ttl ≤ 0xFF_FFFF_FFFF.
    #[test]
    fn ttl_bounds_3_4() {
        assert_eq!(ttl_owner(0), None);
        assert_eq!(ttl_owner(-1), None);
        assert!(ttl_owner(1).is_some());
        assert!(ttl_owner(MAX_TTL).is_some());
        assert_eq!(ttl_owner(MAX_TTL + 1), None);
        assert_eq!(MAX_TTL, 1_099_511_627_775);
    }
}
