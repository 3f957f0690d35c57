//! Product versions as the upgrade tree writes them: `P.M.m`, with an optional build tag.

use std::fmt;
use std::str::FromStr;

/// A database level: `P.M.m` (product, major, minor in the seed's words).
///
/// Build and patch releases (`3.3.19.p1`, `3.3.19_2`) share the level of their `P.M.m`, so the
/// planner works on levels only and [`Version`] keeps the tag for display.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Level {
    pub product: u32,
    pub major: u32,
    pub minor: u32,
}

/// A line is every version that shares `P.M`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Line {
    pub product: u32,
    pub major: u32,
}

impl Level {
    pub const fn new(product: u32, major: u32, minor: u32) -> Level {
        Level {
            product,
            major,
            minor,
        }
    }

    pub fn line(self) -> Line {
        Line {
            product: self.product,
            major: self.major,
        }
    }

    /// The next version in the same line, if the number does not overflow.
    pub fn next_minor(self) -> Option<Level> {
        Some(Level {
            minor: self.minor.checked_add(1)?,
            ..self
        })
    }
}

impl Line {
    /// The first version of this line, `P.M.0`.
    pub fn first(self) -> Level {
        Level::new(self.product, self.major, 0)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.product, self.major, self.minor)
    }
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.product, self.major)
    }
}

/// A version as a user or a file wrote it: a [`Level`] and maybe a build tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version {
    level: Level,
    /// The tag with its separator, exactly as written (`.p1`, `_2`).
    tag: Option<String>,
}

impl Version {
    pub fn level(&self) -> Level {
        self.level
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// True when the version carries a build tag, so its database level differs in spelling.
    pub fn has_tag(&self) -> bool {
        self.tag.is_some()
    }
}

impl From<Level> for Version {
    fn from(level: Level) -> Version {
        Version { level, tag: None }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.level, self.tag.as_deref().unwrap_or(""))
    }
}

/// Why a string is not a version; the message says which form is expected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid version `{input}`: {why}; expected P.M.m such as 3.3.17, optionally with a build tag such as 3.3.19.p1 or 3.3.19_2")]
pub struct VersionError {
    pub input: String,
    pub why: &'static str,
}

impl FromStr for Version {
    type Err = VersionError;

    fn from_str(input: &str) -> Result<Version, VersionError> {
        let fail = |why| VersionError {
            input: input.to_string(),
            why,
        };
        if input.is_empty() {
            return Err(fail("it is empty"));
        }
        let (numbers, tag) = split_tag(input).map_err(fail)?;
        let mut parts = numbers.split('.');
        let mut next = || parts.next().map(parse_number);
        let (Some(product), Some(major), Some(minor)) = (next(), next(), next()) else {
            return Err(fail("it has fewer than three numbers"));
        };
        let level = Level::new(
            product.map_err(fail)?,
            major.map_err(fail)?,
            minor.map_err(fail)?,
        );
        Ok(Version { level, tag })
    }
}

/// Splits `3.3.19.p1` into `3.3.19` and `.p1`; a fourth dot-part or an `_` part is the tag.
fn split_tag(input: &str) -> Result<(&str, Option<String>), &'static str> {
    let underscore = input.find('_');
    let fourth_dot = input.match_indices('.').nth(2).map(|(i, _)| i);
    let cut = match (underscore, fourth_dot) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let Some(cut) = cut else {
        return Ok((input, None));
    };
    let tag = &input[cut..];
    let body = &tag[1..];
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err("its build tag must be letters and digits after `.` or `_`");
    }
    Ok((&input[..cut], Some(tag.to_string())))
}

fn parse_number(part: &str) -> Result<u32, &'static str> {
    if part == "x" || part == "X" {
        return Err("`x` names a whole line and is only valid in a step directory name");
    }
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err("each of P, M and m must be a number");
    }
    part.parse().map_err(|_| "a number is too large")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn plain_and_tagged_versions_share_a_level() {
        assert_eq!(v("3.3.17").level(), Level::new(3, 3, 17));
        assert_eq!(v("3.3.19.p1").level(), Level::new(3, 3, 19));
        assert_eq!(v("3.3.19_2").level(), Level::new(3, 3, 19));
        assert_eq!(v("3.4.1.p1").to_string(), "3.4.1.p1");
        assert_eq!(v("3.3.19_2").tag(), Some("_2"));
        assert!(!v("3.3.17").has_tag());
    }

    #[test]
    fn levels_order_numerically() {
        assert!(v("3.3.9").level() < v("3.3.10").level());
        assert!(v("3.3.20").level() < v("3.4.0").level());
        assert_eq!(
            v("3.3.17").level().line(),
            Line {
                product: 3,
                major: 3
            }
        );
    }

    #[test]
    fn malformed_versions_say_what_is_expected() {
        for bad in [
            "",
            "3.3",
            "3.3.x",
            "v3.3.17",
            "3.3.17.",
            "3.3.17_",
            "3..1",
            "3.3.17.p-1",
            "3.3.a",
        ] {
            let err = bad.parse::<Version>().unwrap_err();
            assert!(err.to_string().contains("expected P.M.m"), "{bad}: {err}");
        }
        let err = "3.3.x".parse::<Version>().unwrap_err();
        assert!(err.to_string().contains("`x` names a whole line"), "{err}");
    }

    #[test]
    fn overflowing_numbers_are_rejected() {
        assert!("3.3.99999999999".parse::<Version>().is_err());
    }
}
