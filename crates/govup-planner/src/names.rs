//! The grammars of step directory names and patch file names (spec §2).

use crate::version::{Level, Line, Version};

/// What a step directory name says about the step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// `upgrade_P.M.m_to_P.M.(m+1)`: one step inside a line.
    Minor { from: Level, to: Level },
    /// `upgrade_P.M.x_to_Q.N.0`: the crossing from a line into the first version of a later one.
    Cross { from: Line, to: Level },
}

impl StepKind {
    pub fn to(self) -> Level {
        match self {
            StepKind::Minor { to, .. } | StepKind::Cross { to, .. } => to,
        }
    }
}

/// True for names that claim to be a step directory (`upgrade_`, any case), well formed or not.
pub fn looks_like_step(name: &str) -> bool {
    // Bytes, not a `str` slice: byte 8 need not be a character boundary (`upgradeé`).
    name.as_bytes()
        .get(..8)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"upgrade_"))
}

/// True for a name that is no step but was probably meant as one, so that it is reported rather
/// than ignored: `upgrade` anywhere in it (any case, white space around it, `upgrade-`,
/// `Upgrade `), or a digit and `_to_` (`3.3.17_to_3.3.18`). Hidden names (`.old`) never are.
pub fn near_step(name: &str) -> bool {
    if name.starts_with('.') || looks_like_step(name) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    lower.contains("upgrade")
        || (lower.contains("_to_") && lower.bytes().any(|b| b.is_ascii_digit()))
}

/// Parses a step directory name; the error says what is wrong with it.
pub fn parse_step_dir(name: &str) -> Result<StepKind, String> {
    if !looks_like_step(name) {
        return Err("a step directory is named upgrade_<FROM>_to_<TO>".into());
    }
    let rest = &name[8..];
    let Some((from, to)) = rest.split_once("_to_") else {
        return Err("a step directory is named upgrade_<FROM>_to_<TO>".into());
    };
    let to: Version = to.parse().map_err(|e: crate::VersionError| e.to_string())?;
    if to.has_tag() {
        return Err(format!(
            "the target `{to}` of a step cannot carry a build tag"
        ));
    }
    let to = to.level();
    if let Some(line) = from.strip_suffix(".x").or_else(|| from.strip_suffix(".X")) {
        let line: Version = format!("{line}.0")
            .parse()
            .map_err(|_| format!("`{from}` is not a line such as 3.3.x"))?;
        if line.has_tag() {
            return Err(format!("`{from}` is not a line such as 3.3.x"));
        }
        let from = line.level().line();
        if to.minor != 0 || to.line() <= from {
            return Err(format!(
                "a crossing from {from}.x must lead to the first version Q.N.0 of a later line, not {to}"
            ));
        }
        return Ok(StepKind::Cross { from, to });
    }
    let from: Version = from
        .parse()
        .map_err(|e: crate::VersionError| e.to_string())?;
    if from.has_tag() {
        return Err(format!(
            "the start `{from}` of a step cannot carry a build tag"
        ));
    }
    let from = from.level();
    if from.next_minor() != Some(to) {
        return Err(format!(
            "a step from {from} must lead to the next version of its line, {}.{}.{}, not {to}",
            from.product,
            from.major,
            u64::from(from.minor) + 1
        ));
    }
    Ok(StepKind::Minor { from, to })
}

/// The parts of a patch file name `<YYYY-MM-DD>-<area>-patch.sql`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchName {
    pub date: String,
    pub area: String,
}

/// Parses a patch file name. The date is checked for shape only; lint checks the calendar.
pub fn parse_patch_name(name: &str) -> Result<PatchName, String> {
    const EXPECTED: &str = "a patch is named <YYYY-MM-DD>-<area>-patch.sql";
    let Some(stem) = name.strip_suffix("-patch.sql") else {
        return Err(EXPECTED.into());
    };
    let bytes = stem.as_bytes();
    let date_shape = bytes.len() > 11
        && bytes[..10].iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        })
        && bytes[10] == b'-';
    if !date_shape {
        return Err(EXPECTED.into());
    }
    let area = &stem[11..];
    if area.is_empty() || !area.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(format!(
            "{EXPECTED}, and an area is letters, digits and `_`"
        ));
    }
    Ok(PatchName {
        date: stem[..10].to_string(),
        area: area.to_string(),
    })
}

/// True when `YYYY-MM-DD` is a real calendar date.
pub fn is_calendar_date(date: &str) -> bool {
    let mut parts = date.split('-').map(|p| p.parse::<u32>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d))) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minor_and_cross_steps_parse_with_any_prefix_case() {
        assert_eq!(
            parse_step_dir("upgrade_3.3.17_to_3.3.18"),
            Ok(StepKind::Minor {
                from: Level::new(3, 3, 17),
                to: Level::new(3, 3, 18)
            })
        );
        assert_eq!(
            parse_step_dir("Upgrade_3.3.x_to_3.4.0"),
            Ok(StepKind::Cross {
                from: Line {
                    product: 3,
                    major: 3
                },
                to: Level::new(3, 4, 0)
            })
        );
        assert!(parse_step_dir("UPGRADE_3.2.x_to_4.0.0").is_ok());
    }

    #[test]
    fn malformed_steps_are_refused_with_a_reason() {
        let cases = [
            ("upgrade_3.3.17_to_3.3.19", "next version of its line"),
            ("upgrade_3.3.x_to_3.4.1", "first version Q.N.0"),
            ("upgrade_3.4.x_to_3.3.0", "later line"),
            ("upgrade_3.3.17-3.3.18", "upgrade_<FROM>_to_<TO>"),
            ("upgrade_3.3.17_to_3.3.18.p1", "build tag"),
            ("upgrade_3.x_to_3.4.0", "line such as"),
            ("upgrade_3.3.17_to_latest", "expected P.M.m"),
        ];
        for (name, why) in cases {
            let err = parse_step_dir(name).unwrap_err();
            assert!(err.contains(why), "{name}: {err}");
        }
    }

    #[test]
    fn names_that_split_a_character_at_the_prefix_are_not_steps() {
        assert!(!looks_like_step("upgradeé_1.0.0_to_1.0.1"));
        assert!(parse_step_dir("upgradeé").is_err());
        assert!(looks_like_step("UPGRADE_"));
    }

    #[test]
    fn names_meant_as_steps_are_near_misses() {
        for near in [
            " upgrade_1.0.1_to_1.0.2",
            "\tUPGRADE_1.0.1_to_1.0.2",
            "upgrade-1.0.1_to_1.0.2",
            "Upgrade 1.0.1 to 1.0.2",
            "1.0.1_to_1.0.2",
            "old_upgrades",
        ] {
            assert!(near_step(near), "{near:?}");
        }
        for not_near in [
            "upgrade_1.0.1_to_1.0.2",
            "README.update",
            "shared",
            ".upgrade_1.0.1_to_1.0.2",
            "how_to_read",
        ] {
            assert!(!near_step(not_near), "{not_near:?}");
        }
        // Trailing white space is a malformed step, not a near miss.
        assert!(parse_step_dir("upgrade_1.0.1_to_1.0.2 ").is_err());
    }

    #[test]
    fn patch_names_give_date_and_area() {
        assert_eq!(
            parse_patch_name("2025-08-05-archiviComunicazioni-patch.sql"),
            Ok(PatchName {
                date: "2025-08-05".into(),
                area: "archiviComunicazioni".into()
            })
        );
        for bad in [
            "2025-08-05-patch.sql",
            "2025-8-05-x-patch.sql",
            "2025-08-05-a.b-patch.sql",
            "2025-08-05-area.sql",
            "info-patch.sql",
        ] {
            assert!(parse_patch_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn calendar_dates() {
        assert!(is_calendar_date("2024-02-29"));
        assert!(!is_calendar_date("2023-02-29"));
        assert!(!is_calendar_date("2025-13-01"));
        assert!(!is_calendar_date("2025-04-31"));
        assert!(is_calendar_date("2000-02-29"));
        assert!(!is_calendar_date("1900-02-29"));
    }
}
