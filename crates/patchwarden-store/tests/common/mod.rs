//! What the store's test stories share: a fixed clock and a fresh store of every backend available
//! (SQLite always; PostgreSQL when `PATCHWARDEN_TEST_POSTGRES_URL` is set, in a schema of its own).

use std::future::Future;

use chrono::{DateTime, TimeZone, Utc};
use patchwarden_store::Store;
use sqlx::Connection;

pub fn at(minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, minute, 0)
        .single()
        .expect("valid time")
}

pub async fn on_every_backend<F, Fut>(story: F)
where
    F: Fn(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open_sqlite(&dir.path().join("pw.db"))
        .await
        .expect("open sqlite");
    story(store.clone()).await;
    store.close().await;
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL half did not run");
        return;
    };
    let schema = format!("pw_test_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let store = Store::open_postgres(&url, Some(&schema))
        .await
        .expect("open postgres");
    story(store.clone()).await;
    store.close().await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .expect("drop schema");
}
