//! End-of-life data and unsupported systems, as pure functions: no IO, no clock ("now" is an argument).
//!
//! - [`data`]: a product's release cycles in the endoflife.date API shape (`{"product", "cycles": [...]}`
//!   or the API's bare list of cycles), with every date-or-boolean field kept as it means;
//! - [`status`]: which cycle a version belongs to, whether it is supported, nearing its end of life or past
//!   it, and the supported cycle to move to;
//! - [`detect`]: the components (product + version) that Dockerfiles, version files, manifests, `os-release`
//!   and OS packages declare.

pub mod data;
pub mod detect;
pub mod status;

pub use data::{Cycle, EolParseError, Milestone, Product};
pub use detect::{
    Component, KNOWN_PRODUCTS, declares_components, detect_file, from_os_ecosystem,
    from_os_package, from_os_release, parse_declared,
};
pub use status::{Assessment, Support, assess, find_cycle};
