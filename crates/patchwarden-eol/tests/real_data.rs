//! The real end-of-life data in ../shared/data/eol: every product parses, and the assessments a DSPT
//! auditor would check come out as the published dates say (on a fixed day: the data moves on).

use chrono::NaiveDate;
use patchwarden_eol::{Product, Support, assess};
use patchwarden_testkit::shared_data;

fn product(name: &str) -> Product {
    let path = shared_data()
        .join("eol/products")
        .join(format!("{name}.json"));
    let bytes = std::fs::read(&path).expect("read");
    Product::parse(&bytes, name).expect("parses")
}

#[test]
fn every_real_product_parses() {
    let dir = shared_data().join("eol/products");
    let mut cycles = 0;
    let mut products = 0;
    for entry in std::fs::read_dir(&dir).expect("the eol data") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
        assert!(Product::sniff(&bytes), "{}", path.display());
        let p = Product::parse(&bytes, name).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(p.product, name);
        products += 1;
        cycles += p.cycles.len();
    }
    // As the data's README counts them.
    assert_eq!((products, cycles), (464, 8_351));
}

#[test]
fn the_runtimes_of_the_procedures_are_assessed_from_their_published_dates() {
    let day = NaiveDate::from_ymd_opt(2026, 8, 20).expect("a day");
    let python38 = assess(&product("python"), "3.8.18", day, 90);
    assert_eq!(python38.support, Support::Unsupported);
    assert_eq!(python38.eol, NaiveDate::from_ymd_opt(2024, 10, 7));
    assert!(python38.upgrade_to.is_some());

    let node16 = assess(&product("nodejs"), "16", day, 90);
    assert_eq!(node16.support, Support::Unsupported);

    let pg12 = assess(&product("postgresql"), "12.19", day, 90);
    assert_eq!(
        (pg12.cycle.as_deref(), pg12.support),
        (Some("12"), Support::Unsupported)
    );

    let debian12 = assess(&product("debian"), "bookworm", day, 90);
    assert_eq!(debian12.cycle.as_deref(), Some("12"));
    assert_eq!(
        debian12.support,
        Support::Unsupported,
        "bookworm's eol is 2026-07-11 in this data"
    );

    let debian13 = assess(&product("debian"), "13", day, 90);
    assert_eq!(debian13.support, Support::Supported);
    assert_eq!(debian13.upgrade_to, None);

    let ubuntu = assess(&product("ubuntu"), "22.04", day, 90);
    assert_eq!(ubuntu.cycle.as_deref(), Some("22.04"));

    let alpine = assess(&product("alpine-linux"), "3.16.9", day, 90);
    assert_eq!(
        (alpine.cycle.as_deref(), alpine.support),
        (Some("3.16"), Support::Unsupported)
    );
}
