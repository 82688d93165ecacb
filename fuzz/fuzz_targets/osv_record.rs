//! Arbitrary bytes as an OSV record: parsing never panics, and a record that parses can be matched
//! against any version and scored without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = patchwarden_osv::sniff(data);
    let _ = patchwarden_osv::parse_kev(data);
    if let Ok(advisory) = patchwarden_osv::parse_advisory(data) {
        let _ = patchwarden_osv::advisory_severity(&advisory);
        for affected in &advisory.affected {
            for version in ["0", "1.0.0", "v1.2.3", "1:2.3-4", "1.0rc1", ""] {
                let _ = patchwarden_osv::evaluate(affected, version);
            }
        }
    }
});
