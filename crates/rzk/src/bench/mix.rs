//! The operation mix of `rzk bench run`: which operations, in which
//! proportions (`create=50,set=20,get=20,…`, percentages summing to 100).

use std::fmt;
use std::str::FromStr;

use super::rng::Rng;

/// One kind of operation the load driver issues.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    /// create of a new, unique znode.
    Create,
    /// setData (any version) of an existing znode.
    Set,
    /// getData of an existing znode.
    Get,
    /// exists of an existing znode.
    Exists,
    /// getChildren of an existing key's parent.
    Children,
    /// delete of an existing znode.
    Delete,
    /// multi: create a new znode and setData an existing one, atomically.
    Multi,
    /// compare-and-set: multi(check(version), setData(version)) with the
    /// version the driver knows the znode has.
    Check,
}

impl OpKind {
    /// Every kind, in report order.
    pub const ALL: [OpKind; 8] = [
        OpKind::Create,
        OpKind::Set,
        OpKind::Get,
        OpKind::Exists,
        OpKind::Children,
        OpKind::Delete,
        OpKind::Multi,
        OpKind::Check,
    ];

    /// The name used on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Set => "set",
            OpKind::Get => "get",
            OpKind::Exists => "exists",
            OpKind::Children => "children",
            OpKind::Delete => "delete",
            OpKind::Multi => "multi",
            OpKind::Check => "check",
        }
    }

    /// Position in [`OpKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// True when the op needs a znode that already exists.
    pub fn needs_existing(self) -> bool {
        !matches!(self, OpKind::Create)
    }
}

impl fmt::Display for OpKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a `--mix` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MixError {
    /// An item is not `name=percent`.
    #[error("mix item {0:?} is not name=percent")]
    Syntax(String),
    /// An op name that is not one of the eight.
    #[error("unknown op {0:?} in the mix (known: create, set, get, exists, children, delete, multi, check)")]
    UnknownOp(String),
    /// The same op twice.
    #[error("op {0} appears twice in the mix")]
    Duplicate(&'static str),
    /// The percentages do not add up to 100.
    #[error("mix percentages add up to {0}, not 100")]
    Sum(u32),
}

/// Percentages per op kind, summing to 100.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mix {
    percent: [u32; 8],
}

impl Mix {
    /// The percentage of `kind`.
    pub fn percent(&self, kind: OpKind) -> u32 {
        self.percent[kind.index()]
    }

    /// True when some op in the mix needs existing znodes, so the key
    /// space must be created before the measurement.
    pub fn needs_existing(&self) -> bool {
        OpKind::ALL
            .iter()
            .any(|k| k.needs_existing() && self.percent(*k) > 0)
    }

    /// Draws an op kind with the mix's probabilities.
    pub fn pick(&self, rng: &mut Rng) -> OpKind {
        let mut roll = rng.below(100) as u32;
        for kind in OpKind::ALL {
            let p = self.percent[kind.index()];
            if roll < p {
                return kind;
            }
            roll -= p;
        }
        // Unreachable for a parsed mix (the percentages sum to 100); the
        // last kind with a share is the safe answer anyway.
        OpKind::ALL
            .into_iter()
            .rev()
            .find(|k| self.percent(*k) > 0)
            .unwrap_or(OpKind::Create)
    }
}

impl FromStr for Mix {
    type Err = MixError;

    fn from_str(s: &str) -> Result<Self, MixError> {
        let mut percent = [0u32; 8];
        let mut seen = [false; 8];
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, value) = item
                .split_once('=')
                .ok_or_else(|| MixError::Syntax(item.to_string()))?;
            let kind = OpKind::ALL
                .into_iter()
                .find(|k| k.name() == name.trim())
                .ok_or_else(|| MixError::UnknownOp(name.trim().to_string()))?;
            let value: u32 = value
                .trim()
                .parse()
                .map_err(|_| MixError::Syntax(item.to_string()))?;
            if seen[kind.index()] {
                return Err(MixError::Duplicate(kind.name()));
            }
            seen[kind.index()] = true;
            percent[kind.index()] = value;
        }
        let sum = percent.iter().fold(0u32, |a, p| a.saturating_add(*p));
        if sum != 100 {
            return Err(MixError::Sum(sum));
        }
        Ok(Mix { percent })
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = OpKind::ALL
            .iter()
            .filter(|k| self.percent(**k) > 0)
            .map(|k| format!("{}={}", k.name(), self.percent(*k)))
            .collect();
        f.write_str(&items.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_form_and_prints_it_back() {
        let m: Mix = "create=50,set=20,get=20,exists=5,children=3,delete=1,multi=1,check=0"
            .parse()
            .unwrap();
        assert_eq!(m.percent(OpKind::Create), 50);
        assert_eq!(m.percent(OpKind::Check), 0);
        assert!(m.needs_existing());
        assert_eq!(
            m.to_string(),
            "create=50,set=20,get=20,exists=5,children=3,delete=1,multi=1"
        );
        let only: Mix = "create=100".parse().unwrap();
        assert!(!only.needs_existing());
    }

    #[test]
    fn refuses_bad_mixes_with_the_reason() {
        assert_eq!("create=50,get=40".parse::<Mix>(), Err(MixError::Sum(90)));
        assert_eq!(
            "create=50,read=50".parse::<Mix>(),
            Err(MixError::UnknownOp("read".into()))
        );
        assert_eq!(
            "create=50,create=50".parse::<Mix>(),
            Err(MixError::Duplicate("create"))
        );
        assert_eq!(
            "create".parse::<Mix>(),
            Err(MixError::Syntax("create".into()))
        );
        assert_eq!(
            "create=x".parse::<Mix>(),
            Err(MixError::Syntax("create=x".into()))
        );
    }

    #[test]
    fn picks_follow_the_percentages() {
        let m: Mix = "get=90,set=10".parse().unwrap();
        let mut rng = Rng::new(42);
        let mut counts = [0u32; 8];
        for _ in 0..100_000 {
            counts[m.pick(&mut rng).index()] += 1;
        }
        assert_eq!(counts[OpKind::Create.index()], 0);
        // 90% ± 1% of 100,000 draws.
        assert!(
            (89_000..91_000).contains(&counts[OpKind::Get.index()]),
            "{counts:?}"
        );
        assert!(
            (9_000..11_000).contains(&counts[OpKind::Set.index()]),
            "{counts:?}"
        );
    }
}
