//! End-of-life data: one row per product, its cycles kept as the JSON they came in (a scan reads a few
//! products, never the whole table).

use chrono::{DateTime, Utc};
use patchwarden_core::EventDraft;
use sqlx::Row;

use crate::advisories::upsert_source;
use crate::audit::append_in_tx;
use crate::{AdvisorySource, Backend, Result, Store, on_backend};

/// A product's end-of-life data as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EolProductRow {
    pub product: String,
    pub label: Option<String>,
    pub category: Option<String>,
    /// JSON array of the product's cycles.
    pub cycles: String,
}

impl Store {
    /// Stores (replacing) the products of a source, its state and one audit event, in one transaction.
    pub async fn import_eol(
        &self,
        source: &AdvisorySource,
        products: &[EolProductRow],
        details: serde_json::Value,
        actor: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            for p in products {
                sqlx::query(
                    "INSERT INTO eol_products (product, label, category, cycles, source) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (product) DO UPDATE SET \
                     label = excluded.label, category = excluded.category, cycles = excluded.cycles, \
                     source = excluded.source",
                )
                .bind(&p.product)
                .bind(&p.label)
                .bind(&p.category)
                .bind(&p.cycles)
                .bind(&source.name)
                .execute(&mut *tx)
                .await?;
            }
            upsert_source!(&mut *tx, source, at);
            append_in_tx!(tx, EventDraft::new(
                at,
                actor,
                "eol.imported",
                format!("advisory-source:{}", source.name),
                details.to_string(),
            ));
            tx.commit().await?;
            Ok(())
        })
    }

    /// The stored products among `names`.
    pub async fn eol_products(&self, names: &[String]) -> Result<Vec<EolProductRow>> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match &self.backend {
            Backend::Sqlite(pool) => sqlx::query(
                "SELECT product, label, category, cycles FROM eol_products \
                     WHERE product IN (SELECT value FROM json_each($1)) ORDER BY product",
            )
            .bind(serde_json::to_string(names).unwrap_or_else(|_| "[]".into()))
            .fetch_all(pool)
            .await?
            .iter()
            .map(eol_from_row)
            .collect::<Result<Vec<_>>>()?,
            Backend::Postgres(pool) => sqlx::query(
                "SELECT product, label, category, cycles FROM eol_products \
                 WHERE product = ANY($1) ORDER BY product",
            )
            .bind(names)
            .fetch_all(pool)
            .await?
            .iter()
            .map(eol_from_row)
            .collect::<Result<Vec<_>>>()?,
        };
        Ok(rows)
    }

    pub async fn eol_product_count(&self) -> Result<i64> {
        on_backend!(self, pool => {
            Ok(sqlx::query("SELECT COUNT(*) AS n FROM eol_products").fetch_one(pool).await?.try_get("n")?)
        })
    }
}

fn eol_from_row<R>(r: &R) -> Result<EolProductRow>
where
    R: Row,
    for<'a> &'a str: sqlx::ColumnIndex<R>,
    for<'a> String: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
    for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
{
    Ok(EolProductRow {
        product: r.try_get("product")?,
        label: r.try_get("label")?,
        category: r.try_get("category")?,
        cycles: r.try_get("cycles")?,
    })
}
