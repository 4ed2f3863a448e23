//! `invocations.parquet`: the usage table (`usage::table` is its schema and read-back,
//! `pricing::table` its writer), and the rule a re-collection replaces rows by.

use std::path::Path;

use crate::usage::dedup::{id_hash, Seen};
use crate::usage::ingest::{read_table, IngestStats};
use crate::usage::Diagnostics;
use crate::usage::UsageRecord;

/// Passes the earlier rows of `dir`'s invocations file to `keep`, except the requests collected
/// again (`seen`: their id hashes): rows of other log groups, regions or locations, and of
/// parts that failed this time, stay. Rows that break a border rule go, counted in `st` and
/// located in `dg`. Returns the rows kept (0 without an earlier file).
pub fn kept(
    dir: &Path,
    seen: &Seen,
    st: &mut IngestStats,
    dg: &mut Diagnostics,
    mut keep: impl FnMut(&UsageRecord),
) -> anyhow::Result<u64> {
    let old = dir.join(super::INVOCATIONS);
    if !old.exists() {
        return Ok(0);
    }
    let mut kept = 0u64;
    read_table(&old, 0, st, dg, |r| {
        if !r.request_id.is_empty() && seen.contains(id_hash(r.request_id)) {
            return;
        }
        kept += 1;
        keep(r);
    })?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::table::tests::{write, Row};

    #[test]
    fn earlier_rows_that_break_a_rule_go_and_are_said() {
        let dir = tempfile::tempdir().unwrap();
        write(
            &dir.path().join(super::super::INVOCATIONS),
            &[
                Row::ok("again"),
                Row {
                    ms: None,
                    ..Row::ok("no-time")
                },
                Row::ok("earlier"),
            ],
        );
        let seen = Seen::default();
        seen.insert(id_hash("again"));
        let (mut st, mut dg) = (IngestStats::default(), Diagnostics::default());
        let mut ids = vec![];
        let n = kept(dir.path(), &seen, &mut st, &mut dg, |r| {
            ids.push(r.request_id.to_string())
        })
        .unwrap();
        assert_eq!((n, ids), (1, vec!["earlier".to_string()]));
        assert_eq!(st.skipped_lines, 1);
        let d = &dg.shown[0];
        assert!(
            d.location.ends_with("invocations.parquet: row 2"),
            "{}",
            d.location
        );
        assert_eq!(d.message, "timestamp is missing");
    }
}
