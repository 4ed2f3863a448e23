//! Snapshots: what `collect` fetched, saved in a directory so every other command runs offline.
//!
//! Layout (`--out DIR`):
//! - `invocations.parquet`: the normalized usage table (one row per request, de-duplicated by
//!   request id; never prompt or response text);
//! - `metrics.parquet`: CloudWatch datapoints (region, model id, metric, statistic, time, value);
//! - `costs.parquet`: Cost Explorer rows (day, service, usage type, account, parsed fields,
//!   cost and quantity as exact decimal strings);
//! - `record-types.parquet`: the bill per service, day and record type (usage, credits, refunds,
//!   discounts, tax), UnblendedCost and NetUnblendedCost, so gross and net are both known;
//! - `log-aggregates.parquet`: Logs Insights sums per model, region and hour (`--server-side`);
//! - `log-sums.parquet`: the Athena aggregation's groups and diagnostic rows (`--athena`),
//!   priced by `report --snapshot` as their requests one by one would be; `log-sums-objects.parquet`:
//!   the S3 objects those collections listed (key, bytes as stored);
//! - `profiles.parquet` + `inference-profiles.toml`: application inference profiles, their models
//!   and tags; the TOML is the `--inference-profiles` map, read automatically by `--snapshot`;
//! - `manifest.json`: per source, the windows collected, regions, accounts, row counts, API calls
//!   and their cost, tool version.
//!
//! Every file is written to a temporary file in DIR and renamed over the old one, so a snapshot is
//! never half-written: after an error or Ctrl-C it holds the previous complete files.

pub mod costs;
pub mod invocations;
pub mod log_aggregates;
pub mod log_sums;
pub mod manifest;
pub mod metrics;
pub mod profiles;
pub mod record_types;

use std::path::{Path, PathBuf};

use anyhow::Context;
use polars::prelude::{DataFrame, ParquetReader, ParquetWriter, SerReader};

pub use manifest::{
    add_to_list, add_window, save_manifest, sorted, Calls, Manifest, Regions, Saved, Window,
};

use crate::usage::ingest::{read_table, IngestStats};
use crate::usage::Diagnostics;

pub const SCHEMA: &str = "bedrock-lens/snapshot/v1";
pub const MANIFEST: &str = "manifest.json";
pub const INVOCATIONS: &str = "invocations.parquet";
pub const METRICS: &str = "metrics.parquet";
pub const COSTS: &str = "costs.parquet";
pub const RECORD_TYPES: &str = "record-types.parquet";
pub const PROFILES: &str = "profiles.parquet";
pub const LOG_AGGREGATES: &str = "log-aggregates.parquet";
pub const LOG_SUMS: &str = "log-sums.parquet";
pub const LOG_SUMS_OBJECTS: &str = "log-sums-objects.parquet";
pub const PROFILE_MAP: &str = "inference-profiles.toml";

/// Writes a data frame as Parquet, atomically.
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    let tmp = crate::io::temp_beside(path)?;
    ParquetWriter::new(tmp.reopen()?)
        .finish(df)
        .with_context(|| format!("writing {}", path.display()))?;
    crate::io::persist(tmp, path)
}

/// A text column of a snapshot file, each value converted by `f` (`None` where missing). A
/// column that is not there is an error naming it.
pub fn text<T>(
    df: &DataFrame,
    name: &str,
    f: impl Fn(&str) -> T,
) -> anyhow::Result<Vec<Option<T>>> {
    let col = df
        .column(name)
        .with_context(|| format!("no column `{name}`"))?
        .str()
        .with_context(|| format!("column `{name}` is not text"))?;
    Ok(col.iter().map(|v| v.map(&f)).collect())
}

/// A text column of a snapshot file, a missing value as empty text.
pub fn strings(df: &DataFrame, name: &str) -> anyhow::Result<Vec<String>> {
    Ok(text(df, name, str::to_string)?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect())
}

/// A text column added in a later version: all missing in a file written before it.
pub fn text_added<T: Clone>(
    df: &DataFrame,
    name: &str,
    f: impl Fn(&str) -> T,
) -> anyhow::Result<Vec<Option<T>>> {
    if df.column(name).is_err() {
        return Ok(vec![None; df.height()]);
    }
    text(df, name, f)
}

/// Reads a whole (small) Parquet file of the snapshot.
pub fn read_parquet(path: &Path) -> anyhow::Result<DataFrame> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(f)
        .finish()
        .with_context(|| format!("{}: not a readable Parquet file", path.display()))
}

/// What a snapshot directory offers `report --snapshot`.
pub struct Opened {
    pub manifest: Manifest,
    pub invocations: Option<PathBuf>,
    /// The Athena aggregation's sums (`collect logs --athena`).
    pub log_sums: Option<PathBuf>,
    pub profile_map: Option<PathBuf>,
}

/// Checks that `dir` is a snapshot and finds its files.
pub fn open(dir: &Path) -> anyhow::Result<Opened> {
    if !dir.join(MANIFEST).exists() {
        anyhow::bail!(
            "{}: no {MANIFEST} here, so not a snapshot (write one with `bedrock-lens collect ... --out DIR`)",
            dir.display()
        );
    }
    let manifest = Manifest::load(dir)?;
    let existing = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
    Ok(Opened {
        invocations: manifest
            .sources
            .contains_key("invocations")
            .then(|| existing(INVOCATIONS))
            .flatten(),
        log_sums: manifest
            .sources
            .contains_key("log_sums")
            .then(|| existing(LOG_SUMS))
            .flatten(),
        profile_map: existing(PROFILE_MAP),
        manifest,
    })
}

/// (model id, region) pairs from a snapshot: its metrics, else its invocations (rows that break
/// a border rule are left out, counted in `st` and located in `dg`).
pub fn models_and_regions(
    dir: &Path,
    opened: &Opened,
    st: &mut IngestStats,
    dg: &mut Diagnostics,
) -> anyhow::Result<Vec<(String, String)>> {
    let metrics = dir.join(METRICS);
    let mut pairs = std::collections::BTreeSet::new();
    if metrics.exists() {
        let df = read_parquet(&metrics)?;
        let (m, r) = (strings(&df, "model_id")?, strings(&df, "region")?);
        pairs.extend(m.into_iter().zip(r));
    } else if let Some(inv) = &opened.invocations {
        read_table(inv, 0, st, dg, |rec| {
            pairs.insert((rec.model_id.to_string(), rec.region.to_string()));
        })?;
    }
    Ok(pairs
        .into_iter()
        .filter(|(m, r)| !m.is_empty() && !r.is_empty())
        .collect())
}
