//! Who is acting. The CLI takes a name (`--as`, `PATCHWARDEN_USER`); it must be a configured person.

use crate::people::{Person, Role};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActorError {
    #[error(
        "no acting person given: pass --as NAME or set PATCHWARDEN_USER (configured people: {known})"
    )]
    Missing { known: String },
    #[error("\"{name}\" is not a configured person (configured people: {known})")]
    Unknown { name: String, known: String },
    #[error("{name} holds only the roles [{held}] and may not {action}")]
    NotAllowed {
        name: String,
        held: String,
        action: String,
    },
}

fn known(people: &[Person]) -> String {
    if people.is_empty() {
        "none; add [[people]] to patchwarden.toml".to_owned()
    } else {
        people
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Finds the configured person called `name`.
pub fn resolve_actor<'a>(
    name: Option<&str>,
    people: &'a [Person],
) -> Result<&'a Person, ActorError> {
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ActorError::Missing {
            known: known(people),
        })?;
    people
        .iter()
        .find(|p| p.name == name)
        .ok_or_else(|| ActorError::Unknown {
            name: name.to_owned(),
            known: known(people),
        })
}

/// Refuses unless `person` holds one of `roles`.
pub fn require_role(person: &Person, roles: &[Role], action: &str) -> Result<(), ActorError> {
    if roles.iter().any(|r| person.has_role(*r)) {
        return Ok(());
    }
    Err(ActorError::NotAllowed {
        name: person.name.clone(),
        held: person
            .roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        action: action.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> Vec<Person> {
        vec![
            Person {
                name: "alice".into(),
                email: None,
                roles: vec![Role::IncidentCommander, Role::EngineeringLead],
            },
            Person {
                name: "audrey".into(),
                email: None,
                roles: vec![Role::Viewer],
            },
        ]
    }

    #[test]
    fn a_configured_name_resolves() {
        let people = people();
        assert_eq!(
            resolve_actor(Some("alice"), &people).map(|p| &p.name),
            Ok(&"alice".to_owned())
        );
    }

    #[test]
    fn an_unknown_or_missing_name_is_refused_with_the_known_names() {
        let people = people();
        let err = resolve_actor(Some("mallory"), &people).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"mallory\" is not a configured person (configured people: alice, audrey)"
        );
        assert!(matches!(
            resolve_actor(None, &people),
            Err(ActorError::Missing { .. })
        ));
    }

    #[test]
    fn a_viewer_may_not_approve_a_hotfix() {
        let people = people();
        let err = require_role(
            &people[1],
            &[Role::IncidentCommander],
            "approve an emergency hotfix",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "audrey holds only the roles [viewer] and may not approve an emergency hotfix"
        );
        assert!(require_role(&people[0], &[Role::IncidentCommander], "approve").is_ok());
    }
}
