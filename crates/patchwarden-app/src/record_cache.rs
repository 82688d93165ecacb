//! Records kept parsed between reads, for pages that count over thousands of them on every request
//! (the dashboard, the assets): each read asks the database only for the ids and versions of the
//! records, and parses again only those that changed — through this process or any other sharing the
//! database — so what it returns is what [`App::records`] reads, at a fraction of the cost.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use patchwarden_core::PatchRecord;

use crate::{App, Result};

/// The records of the last read, with the (id, version) each was read at.
#[derive(Debug, Default)]
pub struct RecordCache {
    kept: Mutex<Option<Snapshot>>,
}

#[derive(Debug, Clone)]
struct Snapshot {
    keys: Vec<(i64, i64)>,
    records: Arc<Vec<PatchRecord>>,
}

impl RecordCache {
    fn get(&self) -> Option<Snapshot> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn put(&self, records: Vec<PatchRecord>) -> Arc<Vec<PatchRecord>> {
        let records = Arc::new(records);
        let keys = records.iter().map(|r| (r.id, r.version)).collect();
        *self.kept.lock().unwrap_or_else(PoisonError::into_inner) = Some(Snapshot {
            keys,
            records: Arc::clone(&records),
        });
        records
    }
}

impl App {
    /// Every record, as [`App::records`] returns them (housekeeping applied, in id order), reusing the
    /// records kept in `cache` whose version the database still holds.
    pub async fn records_cached(&self, cache: &RecordCache) -> Result<Arc<Vec<PatchRecord>>> {
        let keys = self.store.record_versions().await?;
        let kept = cache.get();
        let current = match kept {
            Some(k) if k.keys == keys => k.records,
            kept => {
                let mut reusable: HashMap<i64, &PatchRecord> = kept
                    .as_ref()
                    .map(|k| k.records.iter().map(|r| (r.id, r)).collect())
                    .unwrap_or_default();
                reusable.retain(|id, r| keys.binary_search(&(*id, r.version)).is_ok());
                let missing: Vec<i64> = keys
                    .iter()
                    .map(|(id, _)| *id)
                    .filter(|id| !reusable.contains_key(id))
                    .collect();
                let mut records: Vec<PatchRecord> = reusable.into_values().cloned().collect();
                records.extend(self.store.records_by_id(&missing).await?);
                records.sort_by_key(|r| r.id);
                cache.put(records)
            }
        };
        let now = self.settings.now;
        if !current.iter().any(|r| r.housekeeping_due(now)) {
            return Ok(current);
        }
        let mut records = Vec::with_capacity(current.len());
        for r in current.iter() {
            records.push(if r.housekeeping_due(now) {
                self.housekeep(r.clone()).await?
            } else {
                r.clone()
            });
        }
        Ok(cache.put(records))
    }
}
