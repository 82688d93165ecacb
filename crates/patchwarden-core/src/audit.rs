//! The tamper-evident audit log: every event carries the SHA-256 of the one before it, so changing,
//! inserting or removing an event anywhere breaks the chain at that point.
//!
//! The hash covers a length-prefixed encoding of every field (no field can bleed into the next), with the
//! time at microsecond precision (what both databases keep).

use std::fmt;

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What happened, before it has a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventDraft {
    pub at: DateTime<Utc>,
    /// The configured person, or `system` for what the tool does on its own.
    pub actor: String,
    /// A dotted verb, e.g. `person.added`, `record.assessed`.
    pub action: String,
    /// What it happened to, e.g. `person:alice`.
    pub subject: String,
    /// Event-specific facts as a JSON document.
    pub details: String,
}

impl EventDraft {
    pub fn new(
        at: DateTime<Utc>,
        actor: impl Into<String>,
        action: impl Into<String>,
        subject: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self {
            at: at.trunc_subsecs(6),
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            details: details.into(),
        }
    }

    /// Gives the draft its place after the event `prev` (None: the first event).
    pub fn seal(self, prev: Option<(i64, &str)>) -> AuditEvent {
        let (seq, prev_hash) = match prev {
            Some((seq, hash)) => (seq + 1, hash.to_owned()),
            None => (1, GENESIS_HASH.to_owned()),
        };
        let mut event = AuditEvent {
            seq,
            at: self.at.trunc_subsecs(6),
            actor: self.actor,
            action: self.action,
            subject: self.subject,
            details: self.details,
            prev_hash,
            hash: String::new(),
        };
        event.hash = event.compute_hash();
        event
    }
}

/// One link of the chain, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// SHA-256 (hex) of this event's content and its predecessor's hash.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"patchwarden-audit-v1");
        let at = self.at.to_rfc3339_opts(SecondsFormat::Micros, true);
        for field in [
            self.seq.to_string().as_str(),
            at.as_str(),
            &self.actor,
            &self.action,
            &self.subject,
            &self.details,
            &self.prev_hash,
        ] {
            h.update((field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's content no longer matches its hash: it was altered.
    Altered { seq: i64 },
    /// The event does not point at the one before it: something was inserted or removed before it.
    Relinked { seq: i64 },
    /// A sequence number is missing or repeated.
    Gap { expected: i64, found: i64 },
    /// The chain ends before the recorded head: events were removed from the end.
    Truncated { expected_last: i64, found_last: i64 },
    /// The last event's hash is not the recorded head.
    HeadMismatch { seq: i64 },
}

impl fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainBreak::Altered { seq } => {
                write!(
                    f,
                    "event {seq} was altered: its content does not match its hash"
                )
            }
            ChainBreak::Relinked { seq } => write!(
                f,
                "event {seq} does not follow the event before it: an event was inserted or removed"
            ),
            ChainBreak::Gap { expected, found } => {
                write!(
                    f,
                    "expected event {expected}, found event {found}: events are missing"
                )
            }
            ChainBreak::Truncated {
                expected_last,
                found_last,
            } => write!(
                f,
                "the log ends at event {found_last} but its head records event {expected_last}: events were removed from the end"
            ),
            ChainBreak::HeadMismatch { seq } => write!(
                f,
                "the last event {seq} does not match the recorded head hash"
            ),
        }
    }
}

/// The recorded end of the chain, kept beside it (and printable, so it can be kept outside the tool too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    pub seq: i64,
    pub hash: String,
}

/// Checks a chain one event at a time, so a long log can be verified while it streams from the database.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    last: Option<ChainHead>,
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next event (in sequence order) against the one before it.
    pub fn push(&mut self, event: &AuditEvent) -> Result<(), ChainBreak> {
        let expected = self.last.as_ref().map_or(1, |p| p.seq + 1);
        if event.seq != expected {
            return Err(ChainBreak::Gap {
                expected,
                found: event.seq,
            });
        }
        let expected_prev = self.last.as_ref().map_or(GENESIS_HASH, |p| p.hash.as_str());
        if event.prev_hash != expected_prev {
            return Err(ChainBreak::Relinked { seq: event.seq });
        }
        if event.compute_hash() != event.hash {
            return Err(ChainBreak::Altered { seq: event.seq });
        }
        self.last = Some(ChainHead {
            seq: event.seq,
            hash: event.hash.clone(),
        });
        Ok(())
    }

    /// Compares the end of the chain with the recorded head (when known; it must be exactly the last
    /// event) and returns the head found (None for an empty log).
    pub fn finish(
        self,
        recorded_head: Option<&ChainHead>,
    ) -> Result<Option<ChainHead>, ChainBreak> {
        if let Some(head) = recorded_head {
            let found_last = self.last.as_ref().map_or(0, |h| h.seq);
            if found_last < head.seq {
                return Err(ChainBreak::Truncated {
                    expected_last: head.seq,
                    found_last,
                });
            }
            let hash_differs = self.last.as_ref().is_some_and(|f| f.hash != head.hash);
            if found_last > head.seq || (found_last == head.seq && hash_differs) {
                return Err(ChainBreak::HeadMismatch { seq: found_last });
            }
        }
        Ok(self.last)
    }
}

/// Verifies events given in sequence order against each other and, when known, the recorded head.
/// Returns the head actually found (None for an empty log).
pub fn verify_chain<'a>(
    events: impl IntoIterator<Item = &'a AuditEvent>,
    recorded_head: Option<&ChainHead>,
) -> Result<Option<ChainHead>, ChainBreak> {
    let mut verifier = ChainVerifier::new();
    for event in events {
        verifier.push(event)?;
    }
    verifier.finish(recorded_head)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn chain(n: usize) -> Vec<AuditEvent> {
        let t0 = Utc
            .with_ymd_and_hms(2026, 3, 1, 9, 0, 0)
            .single()
            .expect("valid date");
        let mut out: Vec<AuditEvent> = Vec::new();
        for i in 0..n {
            let draft = EventDraft::new(
                t0 + chrono::TimeDelta::minutes(i as i64),
                "alice",
                "record.assessed",
                format!("record:{i}"),
                r#"{"severity":"critical"}"#,
            );
            let prev = out.last().map(|e| (e.seq, e.hash.as_str()));
            out.push(draft.seal(prev));
        }
        out
    }

    fn head(events: &[AuditEvent]) -> ChainHead {
        let last = events.last().expect("non-empty");
        ChainHead {
            seq: last.seq,
            hash: last.hash.clone(),
        }
    }

    #[test]
    fn an_untouched_log_verifies() {
        let events = chain(5);
        assert_eq!(events[0].prev_hash, GENESIS_HASH);
        assert_eq!(
            verify_chain(&events, Some(&head(&events))),
            Ok(Some(head(&events)))
        );
        assert_eq!(verify_chain(&[], None), Ok(None));
    }

    #[test]
    fn changing_any_field_of_an_event_is_detected_at_that_event() {
        let mut events = chain(5);
        events[2].details = r#"{"severity":"low"}"#.into();
        assert_eq!(
            verify_chain(&events, None),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut events = chain(5);
        events[1].actor = "mallory".into();
        assert_eq!(
            verify_chain(&events, None),
            Err(ChainBreak::Altered { seq: 2 })
        );
    }

    #[test]
    fn rehashing_an_altered_event_breaks_the_next_link() {
        let mut events = chain(5);
        events[2].details = "{}".into();
        events[2].hash = events[2].compute_hash();
        assert_eq!(
            verify_chain(&events, None),
            Err(ChainBreak::Relinked { seq: 4 })
        );
    }

    #[test]
    fn removing_an_event_is_detected() {
        let mut events = chain(5);
        events.remove(1);
        assert_eq!(
            verify_chain(&events, None),
            Err(ChainBreak::Gap {
                expected: 2,
                found: 3
            })
        );
    }

    #[test]
    fn removing_events_from_the_end_is_detected_by_the_head() {
        let events = chain(5);
        let recorded = head(&events);
        assert_eq!(
            verify_chain(&events[..3], Some(&recorded)),
            Err(ChainBreak::Truncated {
                expected_last: 5,
                found_last: 3
            })
        );
    }

    #[test]
    fn fields_cannot_bleed_into_each_other() {
        let t = Utc.timestamp_opt(0, 0).single().expect("epoch");
        let a = EventDraft::new(t, "ab", "c", "s", "{}").seal(None);
        let b = EventDraft::new(t, "a", "bc", "s", "{}").seal(None);
        assert_ne!(a.hash, b.hash);
    }
}
