//! The `METRIC:VALUE/METRIC:VALUE/...` grammar shared by every CVSS version,
//! driven by a per-version metric table.
//!
//! Rules (the same as the reference implementation, Python `cvss` 3.4):
//! metrics may come in any order; every mandatory (base) metric must be
//! present; a metric may appear only once (even as `X`/`ND`); metric names and
//! values are case-sensitive; empty parts are errors. The caller has already
//! rejected the empty string, a trailing `/` and the version prefix.

use core::fmt;

use crate::error::{ErrorKind, quote};

/// One metric of a version's table.
#[derive(Debug)]
pub(crate) struct MetricDef {
    /// Abbreviation used in vector strings, e.g. `AV`.
    pub(crate) abbrev: &'static str,
    /// Allowed values in specification order, including the "not defined"
    /// value when the metric has one.
    pub(crate) values: &'static [&'static str],
    /// `X` (v3, v4) or `ND` (v2) for optional metrics; `None` for mandatory ones.
    pub(crate) not_defined: Option<&'static str>,
}

impl MetricDef {
    pub(crate) fn is_mandatory(&self) -> bool {
        self.not_defined.is_none()
    }
}

/// Parsed values: for each metric of the table, the index of its value in
/// [`MetricDef::values`], or `None` when absent or given as "not defined".
pub(crate) type Values<const N: usize> = [Option<u8>; N];

/// Parses `body` (the vector without its version prefix). `first_position` is
/// the 1-based position of the first part of `body` in the whole vector, for
/// error messages. `body == None` means "no metrics at all".
pub(crate) fn parse_metrics<const N: usize>(
    defs: &'static [MetricDef; N],
    body: Option<&str>,
    first_position: usize,
) -> Result<Values<N>, ErrorKind> {
    let mut values: Values<N> = [None; N];
    let mut seen = [false; N];
    for (offset, part) in body.into_iter().flat_map(|b| b.split('/')).enumerate() {
        if part.is_empty() {
            return Err(ErrorKind::EmptyPart {
                position: first_position + offset,
            });
        }
        let mut pieces = part.split(':');
        let (Some(metric), Some(value), None) = (pieces.next(), pieces.next(), pieces.next())
        else {
            return Err(ErrorKind::MalformedPart { part: quote(part) });
        };
        let Some((index, def)) = defs.iter().enumerate().find(|(_, d)| d.abbrev == metric) else {
            return Err(ErrorKind::UnknownMetric {
                metric: quote(metric),
            });
        };
        if seen[index] {
            return Err(ErrorKind::DuplicateMetric { metric: def.abbrev });
        }
        seen[index] = true;
        if def.not_defined == Some(value) {
            continue;
        }
        match def.values.iter().position(|v| *v == value) {
            // Value lists have at most 6 entries.
            Some(position) => values[index] = Some(position as u8),
            None => {
                return Err(ErrorKind::UnknownValue {
                    metric: def.abbrev,
                    value: quote(value),
                    expected: def.values.join(", "),
                });
            }
        }
    }
    if let Some(def) = defs
        .iter()
        .zip(&values)
        .find_map(|(def, value)| (def.is_mandatory() && value.is_none()).then_some(def))
    {
        return Err(ErrorKind::MissingMetric { metric: def.abbrev });
    }
    Ok(values)
}

/// The value abbreviation stored at `index`.
pub(crate) fn value_at<const N: usize>(
    defs: &'static [MetricDef; N],
    values: &Values<N>,
    index: usize,
) -> Option<&'static str> {
    let position = (*values.get(index)?)?;
    defs.get(index)?.values.get(usize::from(position)).copied()
}

/// Writes the defined metrics in table (specification) order, omitting
/// not-defined ones, after `prefix` (`None` for bare v2 vectors).
pub(crate) fn write_vector<const N: usize>(
    f: &mut fmt::Formatter<'_>,
    prefix: Option<&str>,
    defs: &'static [MetricDef; N],
    values: &Values<N>,
) -> fmt::Result {
    let mut first = true;
    if let Some(prefix) = prefix {
        f.write_str(prefix)?;
        first = false;
    }
    for index in 0..N {
        if let Some(value) = value_at(defs, values, index) {
            if !first {
                f.write_str("/")?;
            }
            first = false;
            write!(f, "{}:{}", defs[index].abbrev, value)?;
        }
    }
    Ok(())
}

/// Declares a version's `Metric` enum and its `DEFS` table from one list.
macro_rules! metric_table {
    (
        $(#[$enum_meta:meta])*
        pub enum Metric {
            $(
                $(#[$meta:meta])*
                $variant:ident = $abbrev:literal, $name:literal, $nd:tt, [$($value:literal),+ $(,)?];
            )+
        }
    ) => {
        $(#[$enum_meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Metric {
            $( $(#[$meta])* $variant, )+
        }

        const METRIC_COUNT: usize = [$(stringify!($variant)),+].len();

        pub(crate) static DEFS: [$crate::parse::MetricDef; METRIC_COUNT] = [
            $( $crate::parse::MetricDef {
                abbrev: $abbrev,
                values: &[$($value),+],
                not_defined: metric_table!(@nd $nd),
            }, )+
        ];

        impl Metric {
            /// Every metric, in specification (vector string) order.
            pub const ALL: [Metric; METRIC_COUNT] = [$(Metric::$variant),+];

            /// The abbreviation used in vector strings, e.g. `AV`.
            pub fn abbrev(self) -> &'static str {
                DEFS[self as usize].abbrev
            }

            /// The metric's name in the specification.
            pub fn name(self) -> &'static str {
                match self { $(Metric::$variant => $name,)+ }
            }

            /// Allowed values in specification order (including the
            /// "not defined" value, `X` or `ND`, for optional metrics).
            pub fn values(self) -> &'static [&'static str] {
                DEFS[self as usize].values
            }

            /// Whether the metric must be present (base metrics).
            pub fn is_mandatory(self) -> bool {
                DEFS[self as usize].is_mandatory()
            }
        }

        impl core::fmt::Display for Metric {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.abbrev())
            }
        }
    };
    (@nd mandatory) => { None };
    (@nd $nd:literal) => { Some($nd) };
}

pub(crate) use metric_table;
