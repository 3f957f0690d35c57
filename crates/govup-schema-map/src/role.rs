//! The four roles a schema plays, and the built-in table from areas to roles (spec §6).

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Runtime,
    Tracing,
    Statistics,
    Config,
}

impl Role {
    /// In the order the seed lists them; info-patch targets follow this order.
    pub const ALL: [Role; 4] = [Role::Runtime, Role::Tracing, Role::Statistics, Role::Config];

    pub fn name(self) -> &'static str {
        match self {
            Role::Runtime => "runtime",
            Role::Tracing => "tracing",
            Role::Statistics => "statistics",
            Role::Config => "config",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`; expected one of runtime, tracing, statistics, config")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s)
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// The areas the seed names. Every other area also goes to `config`, but with a warning, since
/// an unknown area is as likely a typo as a new part of the configuration.
pub fn builtin_role(area: &str) -> Option<Role> {
    match area {
        "runtimePdD" => Some(Role::Runtime),
        "archiviComunicazioni" => Some(Role::Tracing),
        "informazioniStatistiche" => Some(Role::Statistics),
        "configurazionePdD" | "registroServizi" | "users" | "monitoraggio" => Some(Role::Config),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_table() {
        assert_eq!(builtin_role("runtimePdD"), Some(Role::Runtime));
        assert_eq!(builtin_role("archiviComunicazioni"), Some(Role::Tracing));
        assert_eq!(
            builtin_role("informazioniStatistiche"),
            Some(Role::Statistics)
        );
        for config in [
            "configurazionePdD",
            "registroServizi",
            "users",
            "monitoraggio",
        ] {
            assert_eq!(builtin_role(config), Some(Role::Config));
        }
        assert_eq!(builtin_role("somethingNew"), None);
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.name().parse::<Role>(), Ok(role));
        }
        assert!("stats".parse::<Role>().is_err());
    }
}
