//! Conditional GETs against a loopback server.

use std::cell::Cell;

use patchwarden_fetch::{Client, FetchError, Fetched, Validators};
use patchwarden_testkit::{Route, StaticServer};

#[test]
fn an_unchanged_resource_costs_one_request_and_no_body() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("all.zip");
    std::fs::write(&file, vec![7u8; 300_000]).expect("write");
    let server = StaticServer::start([("/PyPI/all.zip".to_owned(), Route::File(file.clone()))]);
    let url = format!("{}/PyPI/all.zip", server.base());
    let client = Client::new();

    let last = Cell::new(0);
    let first = client
        .get(&url, &Validators::default(), 1 << 20, &|read, total| {
            assert_eq!(total, Some(300_000));
            last.set(read);
        })
        .expect("first download");
    let Fetched::Body { bytes, validators } = first else {
        panic!("expected a body")
    };
    assert_eq!(bytes.len(), 300_000);
    assert_eq!(last.get(), 300_000, "progress reached the end");
    assert!(validators.etag.is_some() && validators.last_modified.is_some());

    let again = client
        .get(&url, &validators, 1 << 20, &|_, _| {})
        .expect("second request");
    assert_eq!(again, Fetched::NotModified);

    std::fs::write(&file, vec![8u8; 10]).expect("change the file");
    let changed = client
        .get(&url, &validators, 1 << 20, &|_, _| {})
        .expect("third request");
    assert!(matches!(changed, Fetched::Body { ref bytes, .. } if bytes.len() == 10));
    assert_eq!(
        server.hits().iter().map(|h| h.status).collect::<Vec<_>>(),
        [200, 304, 200]
    );
}

#[test]
fn errors_name_the_url_and_status_and_oversized_bodies_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("big");
    std::fs::write(&file, vec![0u8; 5000]).expect("write");
    let server = StaticServer::start([
        ("/broken".to_owned(), Route::Status(500)),
        ("/big".to_owned(), Route::File(file)),
    ]);
    let client = Client::new();
    let err = client
        .get(
            &format!("{}/broken", server.base()),
            &Validators::default(),
            1000,
            &|_, _| {},
        )
        .unwrap_err();
    assert!(matches!(err, FetchError::Status { status: 500, .. }));
    assert!(
        err.to_string().contains("/broken: the server answered 500"),
        "{err}"
    );
    let err = client
        .get(
            &format!("{}/big", server.base()),
            &Validators::default(),
            1000,
            &|_, _| {},
        )
        .unwrap_err();
    assert!(matches!(err, FetchError::TooLarge { limit: 1000, .. }));
    let err = client
        .get(
            &format!("{}/missing", server.base()),
            &Validators::default(),
            1000,
            &|_, _| {},
        )
        .unwrap_err();
    assert!(matches!(err, FetchError::Status { status: 404, .. }));
}

#[test]
fn an_unreachable_server_is_a_transport_error() {
    let client = Client::new();
    // A port nothing listens on: bind, note the port, drop.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let err = client
        .get(
            &format!("http://127.0.0.1:{port}/x"),
            &Validators::default(),
            10,
            &|_, _| {},
        )
        .unwrap_err();
    assert!(matches!(err, FetchError::Transport { .. }), "{err}");
}
