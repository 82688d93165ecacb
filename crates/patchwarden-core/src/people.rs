//! People and the roles of the procedures. One person may hold several roles: "If the IC and Engineering
//! Lead are the same person, they assume all responsibilities."

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Owns emergency patch decisions; approves hotfixes.
    IncidentCommander,
    /// Owns prioritisation and scheduling of routine patches.
    EngineeringLead,
    /// Runs testing and deployment steps.
    ReleaseOwner,
    /// Reads everything, changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::IncidentCommander,
        Role::EngineeringLead,
        Role::ReleaseOwner,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::IncidentCommander => "incident_commander",
            Role::EngineeringLead => "engineering_lead",
            Role::ReleaseOwner => "release_owner",
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role \"{0}\" (expected one of incident_commander, engineering_lead, release_owner, viewer)"
)]
pub struct RoleParseError(pub String);

impl FromStr for Role {
    type Err = RoleParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| RoleParseError(s.to_owned()))
    }
}

/// A configured person: the names `--as` and `PATCHWARDEN_USER` are checked against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
}

impl Person {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Anyone who holds a role other than viewer may change things; the workflow decides which.
    pub fn can_write(&self) -> bool {
        self.roles.iter().any(|r| *r != Role::Viewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_person_may_hold_the_ic_and_engineering_lead_roles() {
        let cto = Person {
            name: "cto".into(),
            email: None,
            roles: vec![Role::IncidentCommander, Role::EngineeringLead],
        };
        assert!(cto.has_role(Role::IncidentCommander));
        assert!(cto.has_role(Role::EngineeringLead));
        assert!(!cto.has_role(Role::ReleaseOwner));
        assert!(cto.can_write());
    }

    #[test]
    fn a_viewer_cannot_write() {
        let auditor = Person {
            name: "auditor".into(),
            email: None,
            roles: vec![Role::Viewer],
        };
        assert!(!auditor.can_write());
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse(), Ok(role));
        }
        assert!("admin".parse::<Role>().is_err());
    }
}
