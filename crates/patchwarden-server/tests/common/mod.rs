//! What the page tests share: a store of every backend available (SQLite always; PostgreSQL when
//! `PATCHWARDEN_TEST_POSTGRES_URL` is set, in a schema of its own, dropped afterwards), opened twice on
//! one database as two `serve` processes would.

use std::future::Future;

use chrono::Utc;
use patchwarden_store::Store;
use sqlx::Connection;

/// Runs `story` with two handles on one fresh database of each backend, and a temp dir.
pub async fn on_every_backend<F, Fut>(story: F)
where
    F: Fn(std::path::PathBuf, Store, Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pw.db");
    let one = Store::open_sqlite(&path).await.expect("open sqlite");
    let two = Store::open_sqlite(&path).await.expect("open sqlite again");
    story(dir.path().to_owned(), one.clone(), two.clone()).await;
    close(&[one, two]).await;
    let Ok(url) = std::env::var("PATCHWARDEN_TEST_POSTGRES_URL") else {
        eprintln!("PATCHWARDEN_TEST_POSTGRES_URL is not set: the PostgreSQL half did not run");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let schema = format!(
        "pw_pages_{}_{}",
        std::process::id(),
        Utc::now().timestamp_micros()
    );
    let mut admin = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let open = || Store::open_postgres(&url, Some(&schema));
    let (one, two) = (
        open().await.expect("open postgres"),
        open().await.expect("open postgres again"),
    );
    story(dir.path().to_owned(), one.clone(), two.clone()).await;
    close(&[one, two]).await;
    sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
        .execute(&mut admin)
        .await
        .expect("drop schema");
}

async fn close(stores: &[Store]) {
    for s in stores {
        s.close().await;
    }
}
