//! `--shard I/N`: one machine's share of an inventory.
//!
//! The share is by position: the installation at (0-based) position `p` belongs to shard
//! `p mod N + 1`. Position is exact (shares differ in size by at most one) and needs nothing but
//! the inventory, so N machines given the same file and `1/N` … `N/N` cover every installation
//! exactly once with no coordinator. Adding or removing an installation moves others between
//! shards; that is harmless, because each installation's upgrade lock keeps two runners off it
//! and its history makes the second one find nothing to do.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: usize,
    pub count: usize,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// Whether the installation at 0-based `position` is in this share.
    pub fn holds(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("`{s}` is not a shard I/N with 1 <= I <= N (for example 2/3)");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: usize = i.trim().parse().map_err(|_| bad())?;
        let count: usize = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_position_exactly_once() {
        for count in 1..=7 {
            for position in 0..50 {
                let holders = (1..=count)
                    .filter(|&index| Shard { index, count }.holds(position))
                    .count();
                assert_eq!(holders, 1, "position {position} of {count} shards");
            }
        }
        let first: Vec<usize> = (0..10)
            .filter(|&p| Shard { index: 1, count: 3 }.holds(p))
            .collect();
        assert_eq!(first, [0, 3, 6, 9]);
    }

    #[test]
    fn specs() {
        assert_eq!("2/3".parse(), Ok(Shard { index: 2, count: 3 }));
        assert_eq!("1/1".parse(), Ok(Shard::ALL));
        for bad in ["0/3", "4/3", "1/0", "a/b", "3", "1/3/4", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        assert_eq!(Shard { index: 2, count: 3 }.to_string(), "2/3");
    }
}
