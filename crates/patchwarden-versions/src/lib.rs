//! Version ordering for OSV ecosystems, exactly per each ecosystem's rules, and package-name normalisation.
//!
//! A pure library: no IO, no clock. [`Scheme::for_ecosystem`] maps an OSV ecosystem name to its ordering
//! family; [`Scheme::parse`] turns a version string into a [`Version`], whose `Ord` is the ecosystem's
//! precedence.
//!
//! # Design
//!
//! Parsing builds a *sort key*: a byte string whose lexicographic order is the ecosystem's precedence and
//! which is identical for versions of equal precedence (so `Eq`, `Ord` and `Hash` agree by construction, and
//! comparing two parsed versions is a single `memcmp`). Numbers of any size are encoded exactly (digit count,
//! then digits), so huge numbers compare correctly in every scheme. Each scheme's module documents the
//! specification it implements, the reference implementation it is tested against, and its deviations.
//!
//! Versions of different schemes order by scheme first; that order is arbitrary and must not be relied on.
//!
//! The OSV range sentinel `introduced: "0"` ("every version") is not a version in every scheme (npm's
//! SemVer rejects it): the matcher must treat it specially rather than parse it.

#![forbid(unsafe_code)]

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

mod apk;
mod composer;
mod dpkg;
mod go;
mod key;
mod maven;
mod nuget;
mod pep440;
mod rubygems;
mod semver;

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The ordering family of an OSV ecosystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// PyPI: PEP 440, as `packaging.version.Version` implements it.
    Pep440,
    /// npm and crates.io: SemVer 2.0 precedence, with npm `semver`'s (non-loose) syntax.
    SemVer,
    /// Go modules: `golang.org/x/mod/semver`, `v` optional.
    Go,
    /// Debian and Ubuntu: `dpkg --compare-versions`.
    Dpkg,
    /// Alpine: apk-tools `version.c`.
    Apk,
    /// RubyGems: `Gem::Version`.
    RubyGems,
    /// Packagist: Composer's `VersionParser::normalize` then PHP `version_compare`.
    Composer,
    /// Maven: `org.apache.maven.artifact.versioning.ComparableVersion`.
    Maven,
    /// NuGet: `NuGet.Versioning.NuGetVersion`.
    NuGet,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 9] = [
        Scheme::Pep440,
        Scheme::SemVer,
        Scheme::Go,
        Scheme::Dpkg,
        Scheme::Apk,
        Scheme::RubyGems,
        Scheme::Composer,
        Scheme::Maven,
        Scheme::NuGet,
    ];

    /// OSV ecosystem name → scheme: "PyPI"→Pep440, "npm"→SemVer, "crates.io"→SemVer, "Go"→Go,
    /// "Debian", "Debian:12", "Ubuntu", "Ubuntu:22.04:LTS", "Ubuntu:Pro:18.04:LTS"→Dpkg, "Alpine",
    /// "Alpine:v3.18"→Apk, "RubyGems"→RubyGems, "Packagist"→Composer, "Maven"→Maven, "NuGet"→NuGet;
    /// anything else → `None` (the caller reports it as "ordering not implemented", never silently skips).
    /// Names are matched exactly as OSV spells them (case-sensitive). Debian, Ubuntu and Alpine take a
    /// `:release` suffix; Maven and Packagist a `:repository` suffix (OSV's convention for other
    /// registries); the other names take none.
    pub fn for_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let (base, suffix) = match ecosystem.split_once(':') {
            Some((base, rest)) => (base, Some(rest)),
            None => (ecosystem, None),
        };
        let scheme = match base {
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" => Scheme::SemVer,
            "Go" => Scheme::Go,
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" => Scheme::Apk,
            "RubyGems" => Scheme::RubyGems,
            "Packagist" => Scheme::Composer,
            "Maven" => Scheme::Maven,
            "NuGet" => Scheme::NuGet,
            _ => return None,
        };
        match suffix {
            None => Some(scheme),
            Some("") => None,
            Some(_) => match scheme {
                Scheme::Dpkg | Scheme::Apk | Scheme::Maven | Scheme::Composer => Some(scheme),
                _ => None,
            },
        }
    }

    /// Parses `version` under this scheme's rules.
    pub fn parse(self, version: &str) -> Result<Version, VersionParseError> {
        // The key is built in a reused per-thread buffer, so a parse allocates once, exactly.
        let built = SCRATCH.try_with(|scratch| match scratch.try_borrow_mut() {
            Ok(mut key) => {
                key.clear();
                let built = self
                    .encode(version, &mut key)
                    .map(|()| Box::<[u8]>::from(key.as_slice()));
                if key.capacity() > 4096 {
                    // Do not keep a huge buffer around after a huge input.
                    *key = Vec::new();
                }
                built
            }
            Err(_) => self.encode_fresh(version),
        });
        match built.unwrap_or_else(|_| self.encode_fresh(version)) {
            Ok(key) => Ok(Version { scheme: self, key }),
            Err(reason) => Err(VersionParseError::new(self, version, reason)),
        }
    }

    fn encode_fresh(self, version: &str) -> Result<Box<[u8]>, &'static str> {
        let mut key = Vec::with_capacity(version.len() + 16);
        self.encode(version, &mut key)
            .map(|()| key.into_boxed_slice())
    }

    fn encode(self, version: &str, key: &mut Vec<u8>) -> Result<(), &'static str> {
        match self {
            Scheme::Pep440 => pep440::parse(version, key),
            Scheme::SemVer => semver::parse(version, key),
            Scheme::Go => go::parse(version, key),
            Scheme::Dpkg => dpkg::parse(version, key),
            Scheme::Apk => apk::parse(version, key),
            Scheme::RubyGems => rubygems::parse(version, key),
            Scheme::Composer => composer::parse(version, key),
            Scheme::Maven => maven::parse(version, key),
            Scheme::NuGet => nuget::parse(version, key),
        }
    }

    /// Parses both versions and compares them by this scheme's precedence.
    pub fn compare(self, a: &str, b: &str) -> Result<Ordering, VersionParseError> {
        Ok(self.parse(a)?.cmp(&self.parse(b)?))
    }

    /// Package name as the ecosystem compares names: PyPI PEP 503 (lowercase, runs of `-_.` → `-`), NuGet
    /// and Packagist lowercase, others unchanged. Borrows when the name is already normal.
    pub fn normalize_name(self, name: &str) -> Cow<'_, str> {
        match self {
            Scheme::Pep440 => pep440::normalize_name(name),
            Scheme::NuGet | Scheme::Composer => {
                if name
                    .chars()
                    .any(|c| c.to_lowercase().ne(std::iter::once(c)))
                {
                    Cow::Owned(name.to_lowercase())
                } else {
                    Cow::Borrowed(name)
                }
            }
            _ => Cow::Borrowed(name),
        }
    }

    /// Human-readable name of the ordering rules.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Pep440 => "PEP 440",
            Scheme::SemVer => "SemVer 2.0",
            Scheme::Go => "Go module versions",
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::RubyGems => "RubyGems",
            Scheme::Composer => "Composer",
            Scheme::Maven => "Maven",
            Scheme::NuGet => "NuGet",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A parsed version of one scheme.
///
/// `Ord` is the ecosystem's precedence; versions of different schemes order by scheme first (documented,
/// never to be relied on). Equal precedence compares `Equal` and `==` (SemVer build metadata is ignored,
/// PEP 440 `1.0` == `1.0.0`, dpkg `1.0` == `0:1.0`, …), and `Hash` agrees with `Eq`.
/// Comparing two versions is one byte-string comparison.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    scheme: Scheme,
    key: Box<[u8]>,
}

impl Version {
    /// The scheme this version was parsed under.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The sort key: byte-wise order of keys of one scheme is the scheme's precedence.
    pub fn sort_key(&self) -> &[u8] {
        &self.key
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:?}, ", self.scheme)?;
        for b in self.key.iter() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// A version string that is not valid in its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {} version {:?}: {reason}", scheme.name(), input)]
pub struct VersionParseError {
    scheme: Scheme,
    input: String,
    reason: &'static str,
}

impl VersionParseError {
    /// Longest input kept in the error (in bytes, cut at a char boundary); longer inputs end in `…`.
    const MAX_INPUT: usize = 200;

    fn new(scheme: Scheme, input: &str, reason: &'static str) -> Self {
        let input = if input.len() > Self::MAX_INPUT {
            let mut end = Self::MAX_INPUT;
            while !input.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}…", &input[..end])
        } else {
            input.to_owned()
        };
        VersionParseError {
            scheme,
            input,
            reason,
        }
    }

    /// The scheme the input was parsed under.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The rejected input (truncated to 200 bytes).
    pub fn input(&self) -> &str {
        &self.input
    }

    /// Why the input was rejected.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems() {
        let cases = [
            ("PyPI", Some(Scheme::Pep440)),
            ("npm", Some(Scheme::SemVer)),
            ("crates.io", Some(Scheme::SemVer)),
            ("Go", Some(Scheme::Go)),
            ("Debian", Some(Scheme::Dpkg)),
            ("Debian:12", Some(Scheme::Dpkg)),
            ("Ubuntu", Some(Scheme::Dpkg)),
            ("Ubuntu:22.04:LTS", Some(Scheme::Dpkg)),
            ("Ubuntu:Pro:18.04:LTS", Some(Scheme::Dpkg)),
            ("Alpine", Some(Scheme::Apk)),
            ("Alpine:v3.18", Some(Scheme::Apk)),
            ("RubyGems", Some(Scheme::RubyGems)),
            ("Packagist", Some(Scheme::Composer)),
            ("Maven", Some(Scheme::Maven)),
            ("NuGet", Some(Scheme::NuGet)),
            ("pypi", None),
            ("NPM", None),
            ("Hex", None),
            ("Pub", None),
            ("Rocky Linux:8", None),
            ("Debian:", None),
            ("PyPI:foo", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(Scheme::for_ecosystem(name), want, "{name}");
        }
    }

    #[test]
    fn names() {
        assert_eq!(
            Scheme::Pep440.normalize_name("Foo.Bar__baz-"),
            "foo-bar-baz-"
        );
        assert_eq!(Scheme::Pep440.normalize_name("Django"), "django");
        assert!(matches!(
            Scheme::Pep440.normalize_name("requests"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            Scheme::Pep440.normalize_name("a-b"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            Scheme::Pep440.normalize_name("a--b"),
            Cow::Owned(_)
        ));
        assert_eq!(Scheme::Pep440.normalize_name("a-_.b"), "a-b");
        assert_eq!(
            Scheme::NuGet.normalize_name("Newtonsoft.Json"),
            "newtonsoft.json"
        );
        assert!(matches!(
            Scheme::NuGet.normalize_name("newtonsoft.json"),
            Cow::Borrowed(_)
        ));
        assert_eq!(
            Scheme::Composer.normalize_name("Symfony/Console"),
            "symfony/console"
        );
        assert_eq!(Scheme::SemVer.normalize_name("@Scope/Pkg"), "@Scope/Pkg");
        assert_eq!(Scheme::Maven.normalize_name("Org.Foo:Bar"), "Org.Foo:Bar");
    }

    #[test]
    fn error_display() {
        let err = Scheme::Pep440.parse("1.0.x").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid PEP 440 version \"1.0.x\": "),
            "{err}"
        );
        let long = "x".repeat(1000);
        let err = Scheme::SemVer.parse(&long).unwrap_err();
        assert!(err.input().len() < 300);
    }

    #[test]
    fn cross_scheme_is_ordered_by_scheme() {
        let a = Scheme::Pep440.parse("2").unwrap();
        let b = Scheme::SemVer.parse("1.0.0").unwrap();
        assert_ne!(a, b);
        assert!(a < b);
    }
}
