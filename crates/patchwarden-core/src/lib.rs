//! The domain of patchwarden: the rules the two patch procedures impose, as pure functions and plain types.
//!
//! Nothing here does IO, reads the clock or spawns tasks: "now" and the acting person are arguments.
//! Storage, HTTP and the CLI live in the crates above and call into this one.

pub mod actor;
pub mod alerts;
pub mod audit;
pub mod duration;
pub mod estate;
pub mod notice;
pub mod notify;
pub mod people;
pub mod policy;
pub mod severity;
pub mod task;
pub mod workflow;

pub use actor::{ActorError, resolve_actor};
pub use audit::{
    AuditEvent, ChainBreak, ChainHead, ChainVerifier, EventDraft, GENESIS_HASH, verify_chain,
};
pub use duration::{DurationParseError, PolicyDuration};
pub use estate::{Asset, AssetTest, Cadence, CadenceCheck, Forge, ForgeKind, Layer, check_cadence};
pub use notify::{Delivery, NotifyChannel, SmtpSecurity};
pub use people::{Person, Role, RoleParseError};
pub use policy::Policy;
pub use severity::{Severity, SeverityParseError};
pub use task::{Due, Schedule, ScheduleError, TaskSpec, Trigger};
pub use workflow::{Action, PatchRecord, State, TransitionError};

/// The actor name of what patchwarden does on its own (config sync, expiries, scheduled jobs).
pub const SYSTEM_ACTOR: &str = "system";
