//! `invocations.parquet`: the usage table (`usage::table` is its schema and read-back,
//! `pricing::table` its writer), and the rule a re-collection replaces rows by.

use std::path::Path;

use crate::usage::dedup::{id_hash, Seen};
use crate::usage::UsageRecord;

/// Passes the earlier rows of `dir`'s invocations file to `keep`, except the requests collected
/// again (`seen`: their id hashes): rows of other log groups, regions or locations, and of
/// parts that failed this time, stay. Returns the rows kept (0 without an earlier file).
pub fn kept(dir: &Path, seen: &Seen, mut keep: impl FnMut(&UsageRecord)) -> anyhow::Result<u64> {
    let old = dir.join(super::INVOCATIONS);
    if !old.exists() {
        return Ok(0);
    }
    let mut kept = 0u64;
    super::read_table(&old, |r| {
        if !r.request_id.is_empty() && seen.contains(id_hash(r.request_id)) {
            return;
        }
        kept += 1;
        keep(r);
    })?;
    Ok(kept)
}
