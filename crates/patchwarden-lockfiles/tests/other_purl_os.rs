//! `parse_purl` on the examples of the purl specification's test suite (`test-suite-data.json` of
//! package-url/purl-spec: each purl with the type, namespace, name, version, qualifiers and subpath it
//! parses to, or that it is invalid), the OSV ecosystem/name/version mapping, and `os_ecosystem` on real
//! `/etc/os-release` files (`tests/fixtures/os_release/`).

use std::collections::BTreeMap;
use std::path::Path;

use patchwarden_lockfiles::{PurlPackage, os_ecosystem, parse_purl};

type Expected<'a> = (
    &'a str,
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    &'a [(&'a str, &'a str)],
    Option<&'a str>,
);

fn purl(
    purl_type: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
    subpath: Option<&str>,
) -> PurlPackage {
    PurlPackage {
        purl_type: purl_type.to_owned(),
        namespace: namespace.map(str::to_owned),
        name: name.to_owned(),
        version: version.map(str::to_owned),
        qualifiers: qualifiers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        subpath: subpath.map(str::to_owned),
    }
}

#[test]
fn the_specification_test_suite_valid_purls() {
    let cases: &[(&str, Expected<'_>)] = &[
        (
            "pkg:maven/org.apache.commons/io@1.3.4",
            (
                "maven",
                Some("org.apache.commons"),
                "io",
                Some("1.3.4"),
                &[],
                None,
            ),
        ),
        (
            "pkg:maven/org.apache.commons/io",
            ("maven", Some("org.apache.commons"), "io", None, &[], None),
        ),
        (
            "pkg:GOLANG/google.golang.org/genproto#/googleapis/api/annotations/",
            (
                "golang",
                Some("google.golang.org"),
                "genproto",
                None,
                &[],
                Some("googleapis/api/annotations"),
            ),
        ),
        (
            "pkg:GOLANG/google.golang.org/genproto@abcdedf#/googleapis/api/annotations/",
            (
                "golang",
                Some("google.golang.org"),
                "genproto",
                Some("abcdedf"),
                &[],
                Some("googleapis/api/annotations"),
            ),
        ),
        (
            "pkg:bitbucket/birKenfeld/pyGments-main@244fd47e07d1014f0aed9c",
            (
                "bitbucket",
                Some("birkenfeld"),
                "pygments-main",
                Some("244fd47e07d1014f0aed9c"),
                &[],
                None,
            ),
        ),
        (
            "pkg:github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
            (
                "github",
                Some("package-url"),
                "purl-spec",
                Some("244fd47e07d1004f0aed9c"),
                &[],
                None,
            ),
        ),
        (
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
            (
                "deb",
                Some("debian"),
                "curl",
                Some("7.50.3-1"),
                &[("arch", "i386"), ("distro", "jessie")],
                None,
            ),
        ),
        (
            "pkg:docker/customer/dockerimage@sha256:244fd47e07d1004f0aed9c?repository_url=gcr.io",
            (
                "docker",
                Some("customer"),
                "dockerimage",
                Some("sha256:244fd47e07d1004f0aed9c"),
                &[("repository_url", "gcr.io")],
                None,
            ),
        ),
        (
            "pkg:gem/jruby-launcher@1.1.2?Platform=java",
            (
                "gem",
                None,
                "jruby-launcher",
                Some("1.1.2"),
                &[("platform", "java")],
                None,
            ),
        ),
        (
            "pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?classifier=sources&repositorY_url=repo.spring.io/release",
            (
                "maven",
                Some("org.apache.xmlgraphics"),
                "batik-anim",
                Some("1.9.1"),
                &[
                    ("classifier", "sources"),
                    ("repository_url", "repo.spring.io/release"),
                ],
                None,
            ),
        ),
        (
            "pkg:Maven/net.sf.jacob-project/jacob@1.14.3?classifier=x86&type=dll",
            (
                "maven",
                Some("net.sf.jacob-project"),
                "jacob",
                Some("1.14.3"),
                &[("classifier", "x86"), ("type", "dll")],
                None,
            ),
        ),
        (
            "pkg:npm/%40angular/animation@12.3.1",
            (
                "npm",
                Some("@angular"),
                "animation",
                Some("12.3.1"),
                &[],
                None,
            ),
        ),
        (
            "pkg:Nuget/EnterpriseLibrary.Common@6.0.1304",
            (
                "nuget",
                None,
                "EnterpriseLibrary.Common",
                Some("6.0.1304"),
                &[],
                None,
            ),
        ),
        (
            "pkg:PYPI/Django_package@1.11.1.dev1",
            (
                "pypi",
                None,
                "django-package",
                Some("1.11.1.dev1"),
                &[],
                None,
            ),
        ),
        (
            "pkg:Rpm/fedora/curl@7.50.3-1.fc25?Arch=i386&Distro=fedora-25",
            (
                "rpm",
                Some("fedora"),
                "curl",
                Some("7.50.3-1.fc25"),
                &[("arch", "i386"), ("distro", "fedora-25")],
                None,
            ),
        ),
        (
            "pkg:/maven/org.apache.commons/io",
            ("maven", Some("org.apache.commons"), "io", None, &[], None),
        ),
        (
            "pkg://maven/org.apache.commons/io",
            ("maven", Some("org.apache.commons"), "io", None, &[], None),
        ),
        (
            "pkg:///maven/org.apache.commons/io",
            ("maven", Some("org.apache.commons"), "io", None, &[], None),
        ),
        (
            "pkg:maven/HTTPClient/HTTPClient@0.3-3",
            (
                "maven",
                Some("HTTPClient"),
                "HTTPClient",
                Some("0.3-3"),
                &[],
                None,
            ),
        ),
        (
            "pkg:maven/mygroup/myartifact@1.0.0%20Final?mykey=my%20value",
            (
                "maven",
                Some("mygroup"),
                "myartifact",
                Some("1.0.0 Final"),
                &[("mykey", "my value")],
                None,
            ),
        ),
        (
            "pkg:conan/cctz@2.3",
            ("conan", None, "cctz", Some("2.3"), &[], None),
        ),
        (
            "pkg:conan/bincrafters/cctz@2.3?channel=stable",
            (
                "conan",
                Some("bincrafters"),
                "cctz",
                Some("2.3"),
                &[("channel", "stable")],
                None,
            ),
        ),
        (
            "pkg:conda/absl-py@0.4.1?build=py36h06a4308_0&channel=main&subdir=linux-64&type=tar.bz2",
            (
                "conda",
                None,
                "absl-py",
                Some("0.4.1"),
                &[
                    ("build", "py36h06a4308_0"),
                    ("channel", "main"),
                    ("subdir", "linux-64"),
                    ("type", "tar.bz2"),
                ],
                None,
            ),
        ),
        (
            "pkg:cran/A3@0.9.1",
            ("cran", None, "A3", Some("0.9.1"), &[], None),
        ),
        (
            "pkg:swift/github.com/Alamofire/Alamofire@5.4.3",
            (
                "swift",
                Some("github.com/Alamofire"),
                "Alamofire",
                Some("5.4.3"),
                &[],
                None,
            ),
        ),
        (
            "pkg:hackage/AC-HalfInteger@1.2.1",
            ("hackage", None, "AC-HalfInteger", Some("1.2.1"), &[], None),
        ),
        (
            "pkg:npm/packageurl-js@0.0.7?vcs_url=git%2Bhttps%3A%2F%2Fgithub.com%2Fpackage-url%2Fpackageurl-js.git",
            (
                "npm",
                None,
                "packageurl-js",
                Some("0.0.7"),
                &[(
                    "vcs_url",
                    "git+https://github.com/package-url/packageurl-js.git",
                )],
                None,
            ),
        ),
        (
            "pkg:npm/packageurl-js@0.0.7?download_url=https%3A%2F%2Fnpm.registry.invalid%2Fpackageurl-js%2F-%2Fpackageurl-js-0.0.7.tgz",
            (
                "npm",
                None,
                "packageurl-js",
                Some("0.0.7"),
                &[(
                    "download_url",
                    "https://npm.registry.invalid/packageurl-js/-/packageurl-js-0.0.7.tgz",
                )],
                None,
            ),
        ),
    ];
    for (text, (t, ns, name, version, qualifiers, subpath)) in cases {
        assert_eq!(
            parse_purl(text),
            Some(purl(t, *ns, name, *version, qualifiers, *subpath)),
            "{text}"
        );
    }
}

#[test]
fn the_specification_test_suite_invalid_purls() {
    for text in [
        "EnterpriseLibrary.Common@6.0.1304", // a scheme is always required
        "pkg:EnterpriseLibrary.Common@6.0.1304", // a type is always required
        "pkg:maven/@1.3.4",                  // a name is required
        "pkg:npm/myartifact@1.0.0?in%20production=true", // invalid qualifier key
        "pkg:conan/bincrafters/cctz@2.3",    // conan namespace without channel
        "pkg:conan/cctz@2.3?channel=stable", // conan channel without namespace
        "pkg:cran/@0.9.1",                   // cran without name
        "pkg:cran/A3",                       // cran without version
        "pkg:swift/Alamofire@5.4.3",         // swift without namespace
        "pkg:swift/github.com/Alamofire/@5.4.3", // swift without name
        "pkg:swift/github.com/Alamofire/Alamofire", // swift without version
        "pkg:hackage",                       // name and version are always required
        // and a few of our own
        "",
        "pkg:",
        "http://example.com/x",
        "pkg:npm/bad%zzname@1.0",
        "pkg:npm/x@1.0?novalue",
        "pkg:1abc/x@1",
    ] {
        assert_eq!(parse_purl(text), None, "{text}");
    }
}

#[test]
fn osv_ecosystems_names_and_versions() {
    let cases: &[(&str, Option<&str>, &str, Option<&str>)] = &[
        (
            "pkg:npm/%40angular/animation@12.3.1",
            Some("npm"),
            "@angular/animation",
            Some("12.3.1"),
        ),
        (
            "pkg:npm/@angular/core@16.0.0",
            Some("npm"),
            "@angular/core",
            Some("16.0.0"),
        ),
        (
            "pkg:npm/lodash@4.17.20",
            Some("npm"),
            "lodash",
            Some("4.17.20"),
        ),
        (
            "pkg:pypi/Django_Rest@1.0",
            Some("PyPI"),
            "django-rest",
            Some("1.0"),
        ),
        (
            "pkg:cargo/rand@0.8.5",
            Some("crates.io"),
            "rand",
            Some("0.8.5"),
        ),
        (
            "pkg:golang/github.com/gorilla/websocket@v1.5.0",
            Some("Go"),
            "github.com/gorilla/websocket",
            Some("v1.5.0"),
        ),
        (
            "pkg:gem/rails@7.0.4?platform=ruby",
            Some("RubyGems"),
            "rails",
            Some("7.0.4"),
        ),
        (
            "pkg:composer/Laravel/Framework@8.0.0",
            Some("Packagist"),
            "laravel/framework",
            Some("8.0.0"),
        ),
        (
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
            Some("Maven"),
            "org.apache.logging.log4j:log4j-core",
            Some("2.14.1"),
        ),
        (
            "pkg:nuget/Newtonsoft.Json@12.0.1",
            Some("NuGet"),
            "Newtonsoft.Json",
            Some("12.0.1"),
        ),
        (
            "pkg:deb/debian/curl@7.50.3-1?arch=i386&distro=jessie",
            Some("Debian:8"),
            "curl",
            Some("7.50.3-1"),
        ),
        (
            "pkg:deb/debian/curl@7.88.1-10?distro=debian-12",
            Some("Debian:12"),
            "curl",
            Some("7.88.1-10"),
        ),
        (
            "pkg:deb/debian/curl@7.88.1-10?distro=bookworm",
            Some("Debian:12"),
            "curl",
            Some("7.88.1-10"),
        ),
        (
            "pkg:deb/debian/curl@7.88.1-10",
            Some("Debian"),
            "curl",
            Some("7.88.1-10"),
        ),
        (
            "pkg:deb/ubuntu/curl@7.81.0-1ubuntu1.15?distro=ubuntu-22.04",
            Some("Ubuntu:22.04:LTS"),
            "curl",
            Some("7.81.0-1ubuntu1.15"),
        ),
        (
            "pkg:deb/ubuntu/curl@8.2.1-1ubuntu3?distro=ubuntu-23.10",
            Some("Ubuntu:23.10"),
            "curl",
            Some("8.2.1-1ubuntu3"),
        ),
        (
            "pkg:deb/ubuntu/curl@7.81.0?distro=jammy",
            Some("Ubuntu:22.04:LTS"),
            "curl",
            Some("7.81.0"),
        ),
        (
            "pkg:deb/debian/libc6@2.24-11+deb9u4?arch=amd64&upstream=glibc&distro=debian-9",
            Some("Debian:9"),
            "glibc",
            Some("2.24-11+deb9u4"),
        ),
        (
            "pkg:deb/debian/libattr1@1:2.4.47-2+b2?upstream=attr%401:2.4.47-2&distro=debian-9",
            Some("Debian:9"),
            "attr",
            Some("1:2.4.47-2"),
        ),
        ("pkg:deb/raspbian/curl@1.0", None, "curl", Some("1.0")),
        (
            "pkg:apk/alpine/musl@1.2.3-r4?distro=3.17.2",
            Some("Alpine:v3.17"),
            "musl",
            Some("1.2.3-r4"),
        ),
        (
            "pkg:apk/alpine/libssl3@3.0.8-r0?arch=x86_64&upstream=openssl&distro=alpine-3.17.2",
            Some("Alpine:v3.17"),
            "openssl",
            Some("3.0.8-r0"),
        ),
        (
            "pkg:apk/alpine/musl@1.2.3-r4",
            Some("Alpine"),
            "musl",
            Some("1.2.3-r4"),
        ),
        ("pkg:generic/openssl@3.0.0", None, "openssl", Some("3.0.0")),
        (
            "pkg:github/actions/checkout@v4",
            None,
            "checkout",
            Some("v4"),
        ),
        (
            "pkg:docker/library/alpine@3.18",
            None,
            "alpine",
            Some("3.18"),
        ),
    ];
    for (text, ecosystem, name, version) in cases {
        let p = parse_purl(text).unwrap_or_else(|| panic!("{text} is valid"));
        assert_eq!(p.ecosystem().as_deref(), *ecosystem, "{text}");
        assert_eq!(p.osv_name(), *name, "{text}");
        assert_eq!(p.osv_version().as_deref(), *version, "{text}");
    }
}

fn os_release(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/os_release")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn os_release_to_osv_ecosystem() {
    let cases = [
        ("debian-12", Some("Debian:12")),
        // testing: no VERSION_ID, the codename's release number
        ("debian-trixie-sid", Some("Debian:13")),
        // unstable alone names no release
        ("debian-sid", Some("Debian")),
        // OSV spells LTS releases with :LTS
        ("ubuntu-22.04", Some("Ubuntu:22.04:LTS")),
        ("ubuntu-23.10", Some("Ubuntu:23.10")),
        ("alpine-3.18", Some("Alpine:v3.18")),
        ("alpine-edge", Some("Alpine:v3.21")),
        ("fedora-39", None),
        // a derivative's packages are not Debian's
        ("raspbian-12", None),
    ];
    for (file, expected) in cases {
        assert_eq!(
            os_ecosystem(&os_release(file)).as_deref(),
            expected,
            "{file}"
        );
    }
    assert_eq!(os_ecosystem(""), None);
    assert_eq!(
        os_ecosystem("ID=ubuntu\nVERSION_ID=\"20.04\"\n").as_deref(),
        Some("Ubuntu:20.04:LTS")
    );
    assert_eq!(
        os_ecosystem("ID=ubuntu\nVERSION_ID=\"21.04\"\n").as_deref(),
        Some("Ubuntu:21.04")
    );
    assert_eq!(
        os_ecosystem("ID=\"debian\"\nVERSION_ID=\"11\"\n").as_deref(),
        Some("Debian:11")
    );
    assert_eq!(
        os_ecosystem("ID=wolfi\nVERSION_ID=20230201\n").as_deref(),
        Some("Wolfi")
    );
}
