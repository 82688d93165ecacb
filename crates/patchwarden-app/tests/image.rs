//! Container images and root filesystems, built here from real package databases and lockfiles of
//! ../shared/data: `docker save` tarballs and OCI layouts with whiteouts, opaque directories, nested
//! indexes, symlinked os-release, hostile and broken tarballs; and a root filesystem on disk.

use std::io::Write;
use std::path::{Path, PathBuf};

use patchwarden_app::image::{self, ImageError, Limits, read_image, read_rootfs};
use patchwarden_app::inventory::Inventory;
use patchwarden_lockfiles::{Format, ParseContext};
use patchwarden_testkit::shared_data;
use sha2::{Digest, Sha256};

const DEBIAN_12: &[u8] = b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";
const ALPINE_3_18: &[u8] =
    b"NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\nPRETTY_NAME=\"Alpine Linux v3.18\"\n";

fn real(path: &str) -> Vec<u8> {
    let p = shared_data().join("lockfiles").join(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn dpkg_status() -> Vec<u8> {
    real("dpkg/debian-bookworm/status")
}

fn apk_installed() -> Vec<u8> {
    real("apk/google__osv-scalibr/installed")
}

fn npm_lock() -> Vec<u8> {
    real("npm-v3/nodejs__security-wg/package-lock.json")
}

fn poetry_lock() -> Vec<u8> {
    real("poetry/python-poetry__poetry__b88a121/poetry.lock")
}

/// The packages the lockfile parsers find in `bytes` on their own, to compare with.
fn direct(format: Format, bytes: &[u8], os: Option<&str>) -> Vec<patchwarden_lockfiles::Package> {
    let ctx = ParseContext {
        os_ecosystem: os.map(str::to_owned),
    };
    patchwarden_lockfiles::parse(format, &String::from_utf8_lossy(bytes), &ctx)
        .expect("the real file parses")
        .packages
}

// ---- building tarballs the way `docker save`, buildkit or a hostile author would ----

enum E<'a> {
    File(&'a str, &'a [u8]),
    Dir(&'a str),
    Symlink(&'a str, &'a str),
    Hardlink(&'a str, &'a str),
}

/// A header with the name and link name written raw, bypassing the builder's checks as a hostile
/// tool would.
fn header(kind: tar::EntryType, path: &str, link: &str, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(if kind == tar::EntryType::Directory {
        0o755
    } else {
        0o644
    });
    h.set_mtime(0);
    let gnu = h.as_gnu_mut().expect("gnu header");
    gnu.name[..path.len()].copy_from_slice(path.as_bytes());
    gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
    h.set_cksum();
    h
}

fn tarball(entries: &[E<'_>]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let (h, data): (_, &[u8]) = match e {
            E::File(p, data) => (
                header(tar::EntryType::Regular, p, "", data.len() as u64),
                data,
            ),
            E::Dir(p) => (header(tar::EntryType::Directory, p, "", 0), &[]),
            E::Symlink(p, to) => (header(tar::EntryType::Symlink, p, to, 0), &[]),
            E::Hardlink(p, to) => (header(tar::EntryType::Link, p, to, 0), &[]),
        };
        b.append(&h, data).expect("append");
    }
    b.into_inner().expect("tar")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("gzip");
    gz.finish().expect("gzip")
}

fn owned_files(files: &[(String, Vec<u8>)]) -> Vec<E<'_>> {
    files
        .iter()
        .map(|(p, d)| E::File(p.as_str(), d.as_slice()))
        .collect()
}

/// A `docker save` tarball: `manifest.json`, a config, and one `<n>/layer.tar` per layer.
fn docker_save(dir: &Path, name: &str, layers: &[Vec<u8>]) -> PathBuf {
    let mut files = vec![(
        "config.json".to_owned(),
        br#"{"architecture":"amd64","os":"linux"}"#.to_vec(),
    )];
    let mut names = Vec::new();
    for (i, layer) in layers.iter().enumerate() {
        let n = format!("layer{i}/layer.tar");
        files.push((n.clone(), layer.clone()));
        names.push(n);
    }
    let manifest = serde_json::json!([{
        "Config": "config.json",
        "RepoTags": ["patchwarden-test:latest"],
        "Layers": names,
    }]);
    files.push((
        "manifest.json".to_owned(),
        manifest.to_string().into_bytes(),
    ));
    let path = dir.join(name);
    std::fs::write(&path, tarball(&owned_files(&files))).expect("write image");
    path
}

/// Blobs of an OCI layout, by digest.
#[derive(Default)]
struct Blobs(Vec<(String, Vec<u8>)>);

impl Blobs {
    fn add(&mut self, bytes: Vec<u8>) -> serde_json::Value {
        let hex = hex::encode(Sha256::digest(&bytes));
        let size = bytes.len();
        self.0.push((format!("blobs/sha256/{hex}"), bytes));
        serde_json::json!({ "digest": format!("sha256:{hex}"), "size": size })
    }

    fn add_json(&mut self, media_type: &str, value: &serde_json::Value) -> serde_json::Value {
        let mut d = self.add(value.to_string().into_bytes());
        d["mediaType"] = media_type.into();
        d
    }

    /// A manifest of `layers` (bytes, media type).
    fn manifest(&mut self, layers: &[(Vec<u8>, &str)]) -> serde_json::Value {
        let config = self.add_json(
            "application/vnd.oci.image.config.v1+json",
            &serde_json::json!({"architecture": "amd64", "os": "linux"}),
        );
        let layers: Vec<_> = layers
            .iter()
            .map(|(bytes, media_type)| {
                let mut d = self.add(bytes.clone());
                d["mediaType"] = (*media_type).into();
                d
            })
            .collect();
        self.add_json(
            "application/vnd.oci.image.manifest.v1+json",
            &serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": config,
                "layers": layers,
            }),
        )
    }

    fn write(mut self, dir: &Path, name: &str, index: &serde_json::Value) -> PathBuf {
        self.0.push((
            "oci-layout".to_owned(),
            br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
        ));
        self.0
            .push(("index.json".to_owned(), index.to_string().into_bytes()));
        let path = dir.join(name);
        std::fs::write(&path, tarball(&owned_files(&self.0))).expect("write image");
        path
    }
}

const GZIP_LAYER: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
const TAR_LAYER: &str = "application/vnd.oci.image.layer.v1.tar";

fn paths(found: &image::FoundFiles) -> Vec<&str> {
    found.files.iter().map(|f| f.path.as_str()).collect()
}

fn inventory_of(image: &Path) -> Inventory {
    let mut inventory = Inventory::default();
    image::add_image(&mut inventory, image, &ParseContext::default()).expect("image read");
    inventory
}

// ---- docker save ----

#[test]
fn a_docker_save_image_applies_its_layers_in_order_with_whiteouts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (status, npm, poetry) = (dpkg_status(), npm_lock(), poetry_lock());
    let base = tarball(&[
        E::Dir("etc/"),
        E::File("etc/os-release", DEBIAN_12),
        E::Dir("var/lib/dpkg/"),
        E::File("var/lib/dpkg/status", &status),
        E::File("var/lib/dpkg/status-old", &status),
        E::File("usr/share/doc/x/package-lock.json", &npm),
        E::File("usr/src/app/package-lock.json", &npm),
    ]);
    // The second layer (gzip, like most registries' layers) deletes the npm lockfile and adds a
    // poetry one; the third adds one in node_modules, which holds installed copies.
    let app = gzip(&tarball(&[
        E::Dir("usr/src/app/"),
        E::File("usr/src/app/.wh.package-lock.json", b""),
        E::File("srv/api/poetry.lock", &poetry),
    ]));
    let deps = tarball(&[E::File("srv/api/node_modules/x/package-lock.json", &npm)]);
    let image = docker_save(dir.path(), "debian-app.tar", &[base, app, deps]);

    let found = read_image(&image, Limits::default()).expect("image read");
    assert_eq!(found.os_ecosystem().as_deref(), Some("Debian:12"));
    assert_eq!(
        paths(&found),
        ["/var/lib/dpkg/status", "/srv/api/poetry.lock"]
    );

    let inventory = inventory_of(&image);
    let label = image.display().to_string();
    let files: Vec<(&str, Format, usize)> = inventory
        .files
        .iter()
        .map(|f| (f.path.as_str(), f.format, f.packages))
        .collect();
    let debian = direct(Format::DpkgStatus, &status, Some("Debian:12"));
    let python = direct(Format::PoetryLock, &poetry, None);
    assert!(debian.len() > 300, "{} source packages", debian.len());
    assert_eq!(
        files,
        [
            (
                format!("{label}:/var/lib/dpkg/status").as_str(),
                Format::DpkgStatus,
                debian.len()
            ),
            (
                format!("{label}:/srv/api/poetry.lock").as_str(),
                Format::PoetryLock,
                python.len()
            ),
        ]
    );
    let os: Vec<_> = inventory
        .packages
        .iter()
        .filter(|l| l.file == 0)
        .map(|l| &l.package)
        .collect();
    assert!(os.iter().all(|p| p.ecosystem == "Debian:12"));
    assert_eq!(os, debian.iter().collect::<Vec<_>>());
    assert!(
        os.iter()
            .any(|p| p.name == "glibc" && p.version.starts_with("2.36-9")),
        "libc6 is reported under its source package"
    );
    assert_eq!(
        inventory.source(&inventory.packages[0]),
        format!("{label}:/var/lib/dpkg/status:1")
    );
}

#[test]
fn an_opaque_directory_drops_what_earlier_layers_had_in_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (npm, poetry) = (npm_lock(), poetry_lock());
    let first = tarball(&[
        E::File("opt/app/a/poetry.lock", &poetry),
        E::File("opt/app/b/package-lock.json", &npm),
        E::File("opt/other/package-lock.json", &npm),
        E::File("opt/gone/poetry.lock", &poetry),
        E::File("opt/replaced", &poetry),
    ]);
    // The new file comes before the opaque marker in the tar: the marker only hides what is below.
    let second = tarball(&[
        E::File("opt/app/c/poetry.lock", &poetry),
        E::Dir("opt/app/"),
        E::File("opt/app/.wh..wh..opq", b""),
        E::File("opt/.wh.gone", b""),
        E::Dir("opt/replaced/"),
        E::File("opt/replaced/package-lock.json", &npm),
    ]);
    let image = docker_save(dir.path(), "opaque.tar", &[first, second]);
    let found = read_image(&image, Limits::default()).expect("image read");
    assert_eq!(
        paths(&found),
        [
            "/opt/app/c/poetry.lock",
            "/opt/other/package-lock.json",
            "/opt/replaced/package-lock.json",
        ]
    );
    assert_eq!(found.os_release, None);

    // A third layer replaces the directory with a file: what was under it goes.
    let third = tarball(&[E::File("opt/app", b"not a directory any more")]);
    let first = tarball(&[E::File("opt/app/a/poetry.lock", &poetry)]);
    let image = docker_save(dir.path(), "replaced.tar", &[first, third]);
    assert!(
        read_image(&image, Limits::default())
            .expect("read")
            .files
            .is_empty()
    );
}

// ---- OCI layouts ----

/// An OCI layout whose index.json points at a nested index of three manifests: arm64 (a Debian
/// image), amd64 (Alpine, two gzip layers, os-release through a symlink), and a buildkit attestation.
fn alpine_oci(dir: &Path, name: &str, amd64_layers: &[(Vec<u8>, &str)]) -> PathBuf {
    let mut blobs = Blobs::default();
    let arm64 = blobs.manifest(&[(
        gzip(&tarball(&[
            E::File("etc/os-release", DEBIAN_12),
            E::File("var/lib/dpkg/status", &dpkg_status()),
        ])),
        GZIP_LAYER,
    )]);
    let amd64 = blobs.manifest(amd64_layers);
    let attestation = blobs.add_json(
        "application/vnd.oci.image.manifest.v1+json",
        &serde_json::json!({"schemaVersion": 2, "layers": []}),
    );
    let mut manifests = vec![arm64, amd64, attestation];
    manifests[0]["platform"] = serde_json::json!({"architecture": "arm64", "os": "linux"});
    manifests[1]["platform"] = serde_json::json!({"architecture": "amd64", "os": "linux"});
    manifests[2]["platform"] = serde_json::json!({"architecture": "unknown", "os": "unknown"});
    manifests[2]["annotations"] =
        serde_json::json!({"vnd.docker.reference.type": "attestation-manifest"});
    let nested = blobs.add_json(
        "application/vnd.oci.image.index.v1+json",
        &serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": manifests,
        }),
    );
    let index = serde_json::json!({"schemaVersion": 2, "manifests": [nested]});
    blobs.write(dir, name, &index)
}

#[test]
fn an_oci_layout_with_a_nested_index_reads_the_linux_amd64_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let installed = apk_installed();
    let base = gzip(&tarball(&[
        E::Dir("./"),
        E::Dir("./etc/"),
        // A chain of links, one relative and one absolute, both resolved inside the image.
        E::Symlink("./etc/os-release", "../usr/lib/os-release"),
        E::Symlink("./usr/lib/os-release", "/usr/lib/alpine/os-release"),
        E::File("./usr/lib/alpine/os-release", ALPINE_3_18),
        E::File("./lib/apk/db/installed", &installed),
    ]));
    let app = tarball(&[E::File("./app/package-lock.json", &npm_lock())]);
    let image = alpine_oci(
        dir.path(),
        "alpine.oci.tar",
        &[(base, GZIP_LAYER), (app, TAR_LAYER)],
    );

    let found = read_image(&image, Limits::default()).expect("image read");
    assert_eq!(found.os_ecosystem().as_deref(), Some("Alpine:v3.18"));
    assert_eq!(
        paths(&found),
        ["/lib/apk/db/installed", "/app/package-lock.json"]
    );

    let inventory = inventory_of(&image);
    let alpine = direct(Format::ApkInstalled, &installed, Some("Alpine:v3.18"));
    // 15 installed packages from 10 origins (libssl3 and libcrypto3 are openssl, …).
    assert_eq!(alpine.len(), 10);
    assert_eq!(inventory.files[0].packages, 10);
    assert_eq!(
        inventory.files[1].packages,
        direct(Format::NpmLock, &npm_lock(), None).len()
    );
    let os: Vec<_> = inventory
        .packages
        .iter()
        .filter(|l| l.file == 0)
        .map(|l| &l.package)
        .collect();
    assert!(os.iter().all(|p| p.ecosystem == "Alpine:v3.18"));
    assert!(
        os.iter()
            .any(|p| p.name == "openssl" && p.version == "3.1.0-r4")
    );
}

#[test]
fn a_zstd_layer_is_refused_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layer = tarball(&[E::File("app/poetry.lock", &poetry_lock())]);
    let image = alpine_oci(
        dir.path(),
        "zstd.tar",
        &[(layer.clone(), "application/vnd.oci.image.layer.v1.tar+zstd")],
    );
    let err = read_image(&image, Limits::default()).expect_err("zstd");
    assert!(
        matches!(err, ImageError::UnsupportedCompression { .. }),
        "{err}"
    );
    let message = err.to_string();
    assert!(
        message.contains("unsupported layer compression (zstd)"),
        "{message}"
    );
    assert!(message.contains("zstd.tar"), "{message}");
    assert!(message.contains("blobs/sha256/"), "{message}");

    // Recognised by its bytes too, whatever the media type says.
    let mut zstd = vec![0x28, 0xb5, 0x2f, 0xfd];
    zstd.extend_from_slice(&layer);
    let image = alpine_oci(dir.path(), "zstd-bytes.tar", &[(zstd, TAR_LAYER)]);
    let err = read_image(&image, Limits::default()).expect_err("zstd");
    assert!(err.to_string().contains("(zstd)"), "{err}");
}

// ---- hostile and broken tarballs ----

#[test]
fn hostile_paths_stay_inside_the_image() {
    let dir = tempfile::tempdir().expect("tempdir");
    let poetry = poetry_lock();
    let layer = tarball(&[
        E::File("../../etc/passwd", b"root:x:0:0::/root:/bin/sh\n"),
        E::File("/etc/shadow", b"root:*:1::::::\n"),
        E::File("../../../../usr/src/app/poetry.lock", &poetry),
        E::File("/abs/poetry.lock", &poetry),
        E::Hardlink("srv/passwd-link/poetry.lock", "../../etc/passwd"),
        E::Hardlink("srv/copy/poetry.lock", "/abs/poetry.lock"),
        // os-release pointing out of the image, then to itself.
        E::Symlink("etc/os-release", "../../../../../../../../etc/os-release"),
        E::Symlink("usr/lib/os-release", "/../../usr/lib/os-release"),
        E::Symlink("lib", "../../../../lib"),
    ]);
    let image = docker_save(dir.path(), "hostile.tar", &[layer]);
    let before: Vec<_> = std::fs::read_dir(dir.path()).expect("ls").collect();

    let found = read_image(&image, Limits::default()).expect("a hostile image is still read");
    assert_eq!(
        paths(&found),
        [
            "/abs/poetry.lock",
            "/srv/copy/poetry.lock",
            "/usr/src/app/poetry.lock",
        ]
    );
    assert_eq!(found.os_release, None, "the links loop inside the image");
    let inventory = inventory_of(&image);
    let label = image.display().to_string();
    for f in &inventory.files {
        assert!(f.path.starts_with(&format!("{label}:/")), "{}", f.path);
        assert!(!f.path.contains(".."), "{}", f.path);
    }
    // Nothing was unpacked.
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("ls").count(),
        before.len()
    );

    // A manifest naming a layer outside the tarball reads nothing from the host.
    let mut files = vec![("layer.tar".to_owned(), tarball(&[]))];
    files.push((
        "manifest.json".to_owned(),
        br#"[{"Config":null,"Layers":["../../../../../../etc/passwd"]}]"#.to_vec(),
    ));
    let evil = dir.path().join("evil-manifest.tar");
    std::fs::write(&evil, tarball(&owned_files(&files))).expect("write");
    let err = read_image(&evil, Limits::default()).expect_err("no such layer");
    assert_eq!(
        err.to_string(),
        format!("image {}: etc/passwd: not in the tarball", evil.display())
    );
}

#[test]
fn a_truncated_or_corrupt_image_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let layer = tarball(&[
        E::File("etc/os-release", DEBIAN_12),
        E::File("var/lib/dpkg/status", &dpkg_status()),
    ]);
    let image = docker_save(dir.path(), "whole.tar", std::slice::from_ref(&layer));
    let bytes = std::fs::read(&image).expect("read");

    // Cut in the middle of the layer.
    let cut = dir.path().join("cut.tar");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
    let err = read_image(&cut, Limits::default()).expect_err("truncated");
    let message = err.to_string();
    assert!(
        message.starts_with(&format!("image {}: ", cut.display())),
        "{message}"
    );
    assert!(message.contains("layer0/layer.tar"), "{message}");

    // A gzip layer cut short.
    let gz = gzip(&layer);
    let image = docker_save(dir.path(), "short-gzip.tar", &[gz[..gz.len() / 2].to_vec()]);
    let err = read_image(&image, Limits::default()).expect_err("short gzip");
    let message = err.to_string();
    assert!(message.contains("short-gzip.tar"), "{message}");
    assert!(message.contains("layer layer0/layer.tar"), "{message}");

    // Not a tarball at all.
    let junk = dir.path().join("junk.tar");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("write");
    let err = read_image(&junk, Limits::default()).expect_err("junk");
    assert!(
        err.to_string()
            .starts_with(&format!("image {}: ", junk.display())),
        "{err}"
    );

    // A tarball that is not an image.
    let plain = dir.path().join("plain.tar");
    std::fs::write(&plain, &layer).expect("write");
    let err = read_image(&plain, Limits::default()).expect_err("not an image");
    assert!(matches!(err, ImageError::NotAnImage { .. }), "{err}");

    // A compressed `docker save`.
    let gz_image = dir.path().join("image.tar.gz");
    std::fs::write(&gz_image, gzip(&bytes)).expect("write");
    let err = read_image(&gz_image, Limits::default()).expect_err("compressed");
    assert!(
        err.to_string()
            .contains("gzip compressed; decompress it first"),
        "{err}"
    );

    // No such file.
    let err = read_image(&dir.path().join("missing.tar"), Limits::default()).expect_err("missing");
    assert!(err.to_string().starts_with("cannot read image "), "{err}");

    // A corrupt OS database: the parse error names the image and the file.
    let layer = tarball(&[E::File(
        "lib/apk/db/installed",
        b"P:musl\nV:1.2.4-r0\n\nV:1\n",
    )]);
    let image = docker_save(dir.path(), "bad-db.tar", &[layer]);
    let mut inventory = Inventory::default();
    let err = image::add_image(&mut inventory, &image, &ParseContext::default())
        .expect_err("bad database");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:/lib/apk/db/installed: ", image.display())),
        "{err}"
    );
}

#[test]
fn limits_refuse_a_file_or_an_image_too_large_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let poetry = poetry_lock();
    let layer = tarball(&[
        E::File("a/poetry.lock", &poetry),
        E::File("b/poetry.lock", &poetry),
        E::File("c/big.bin", &vec![0u8; 200_000]),
    ]);
    let image = docker_save(dir.path(), "big.tar", &[layer]);
    let size = poetry.len() as u64;

    let limits = Limits {
        max_entry: size - 1,
        max_total: u64::MAX,
    };
    let err = read_image(&image, limits).expect_err("entry too large");
    assert_eq!(
        err.to_string(),
        format!(
            "image {}: /a/poetry.lock is {size} bytes, more than the {} bytes patchwarden reads of one file",
            image.display(),
            size - 1
        )
    );

    let limits = Limits {
        max_entry: size,
        max_total: size * 2 - 1,
    };
    let err = read_image(&image, limits).expect_err("image too large");
    assert!(matches!(err, ImageError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("/b/poetry.lock"), "{err}");

    // Files that are not kept do not count.
    let limits = Limits {
        max_entry: size,
        max_total: size * 2,
    };
    assert_eq!(read_image(&image, limits).expect("fits").files.len(), 2);
}

// ---- root filesystems ----

fn put(root: &Path, path: &str, bytes: &[u8]) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, bytes).expect("write");
}

#[cfg(unix)]
#[test]
fn a_root_filesystem_reads_os_databases_and_lockfiles_without_leaving_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("rootfs");
    let status = dpkg_status();
    let text = String::from_utf8_lossy(&status);
    let stanzas: Vec<&str> = text.split("\n\n").collect();
    // An absolute link, resolved inside the root filesystem: the host has no /opt/distro.
    put(&root, "opt/distro/os-release", DEBIAN_12);
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::os::unix::fs::symlink("/opt/distro/os-release", root.join("etc/os-release")).expect("ln");
    put(&root, "var/lib/dpkg/status", &status);
    // Distroless: one file per package, with its md5sums beside it.
    put(&root, "var/lib/dpkg/status.d/base", stanzas[0].as_bytes());
    put(
        &root,
        "var/lib/dpkg/status.d/base.md5sums",
        b"d41d8cd98f00b204e9800998ecf8427e  x\n",
    );
    put(&root, "var/lib/dpkg/status.d/other", stanzas[1].as_bytes());
    put(&root, "usr/src/app/poetry.lock", &poetry_lock());
    put(
        &root,
        "usr/src/app/node_modules/x/package-lock.json",
        &npm_lock(),
    );
    put(&root, "usr/share/doc/x/package-lock.json", &npm_lock());
    put(&root, "tmp/package-lock.json", &npm_lock());
    put(&root, "root/.cache/pip/requirements.txt", b"flask==2.0.0\n");
    put(&root, "srv/web/requirements.txt", b"flask==2.0.0\n");
    // A link to a lockfile outside the root is not followed.
    put(dir.path(), "outside/package-lock.json", &npm_lock());
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join("srv/outside")).expect("ln");
    std::os::unix::fs::symlink(
        dir.path().join("outside/package-lock.json"),
        root.join("srv/package-lock.json"),
    )
    .expect("ln");

    let found = read_rootfs(&root, Limits::default()).expect("rootfs read");
    assert_eq!(found.os_ecosystem().as_deref(), Some("Debian:12"));
    assert_eq!(
        paths(&found),
        [
            "/var/lib/dpkg/status",
            "/var/lib/dpkg/status.d/base",
            "/var/lib/dpkg/status.d/other",
            "/srv/web/requirements.txt",
            "/usr/src/app/poetry.lock",
        ]
    );

    let mut inventory = Inventory::default();
    image::add_rootfs(&mut inventory, &root, &ParseContext::default()).expect("rootfs");
    let label = root.display().to_string();
    let counts: Vec<(String, usize)> = inventory
        .files
        .iter()
        .map(|f| (f.path.clone(), f.packages))
        .collect();
    let debian = direct(Format::DpkgStatus, &status, Some("Debian:12"));
    assert_eq!(
        counts,
        [
            (format!("{label}:/var/lib/dpkg/status"), debian.len()),
            (format!("{label}:/var/lib/dpkg/status.d/base"), 1),
            (format!("{label}:/var/lib/dpkg/status.d/other"), 1),
            (format!("{label}:/srv/web/requirements.txt"), 1),
            (
                format!("{label}:/usr/src/app/poetry.lock"),
                direct(Format::PoetryLock, &poetry_lock(), None).len()
            ),
        ]
    );
    let dpkg_files = 3;
    assert!(
        inventory
            .packages
            .iter()
            .filter(|l| l.file < dpkg_files)
            .all(|l| l.package.ecosystem == "Debian:12")
    );

    // Not a directory.
    let err =
        read_rootfs(&root.join("usr/src/app/poetry.lock"), Limits::default()).expect_err("a file");
    assert!(
        err.to_string().starts_with("cannot read root filesystem "),
        "{err}"
    );
}
