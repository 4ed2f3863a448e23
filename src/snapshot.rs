//! Snapshots: what `collect` fetched, saved in a directory so every other command runs offline.
//!
//! Layout (`--out DIR`):
//! - `invocations.parquet`: the normalized usage table (one row per request, de-duplicated by
//!   request id; never prompt or response text);
//! - `metrics.parquet`: CloudWatch datapoints (region, model id, metric, statistic, time, value);
//! - `costs.parquet`: Cost Explorer rows (day, service, usage type, account, parsed fields,
//!   cost and quantity as exact decimal strings);
//! - `log-aggregates.parquet`: Logs Insights sums per model, region and hour (`--server-side`);
//! - `profiles.parquet` + `inference-profiles.toml`: application inference profiles, their models
//!   and tags; the TOML is the `--inference-profiles` map, read automatically by `--snapshot`;
//! - `manifest.json`: per source, the windows collected, regions, accounts, row counts, API calls
//!   and their cost, tool version.
//!
//! Every file is written to a temporary file in DIR and renamed over the old one, so a snapshot is
//! never half-written: after an error or Ctrl-C it holds the previous complete files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use polars::prelude::{DataFrame, ParquetReader, ParquetWriter, PolarsResult, SerReader};
use serde::{Deserialize, Serialize};

use crate::pricing::Tokens;
use crate::usage::record::{Scalar, Str};
use crate::usage::table::BATCH_ROWS;
use crate::usage::UsageRecord;

pub const SCHEMA: &str = "bedrock-lens/snapshot/v1";
pub const MANIFEST: &str = "manifest.json";
pub const INVOCATIONS: &str = "invocations.parquet";
pub const METRICS: &str = "metrics.parquet";
pub const COSTS: &str = "costs.parquet";
pub const PROFILES: &str = "profiles.parquet";
pub const LOG_AGGREGATES: &str = "log-aggregates.parquet";
pub const PROFILE_MAP: &str = "inference-profiles.toml";

/// A time window collected, `[start, end)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// One source's entry in the manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub file: String,
    pub rows: u64,
    /// Windows collected into this file (a re-collect of a window replaces its rows).
    pub windows: Vec<Window>,
    pub regions: Vec<String>,
    /// Accounts seen in the data (the invocation records, Cost Explorer's linked accounts).
    pub accounts: Vec<String>,
    pub collected_at: Option<DateTime<Utc>>,
    /// Calls made by the last collection, per API operation.
    pub api_calls: BTreeMap<String, u64>,
    /// What those calls cost (GetMetricData per metric, Cost Explorer per request, Logs Insights
    /// per GB scanned), as an exact decimal.
    pub api_cost_usd: String,
    /// Source-specific facts (period, log groups, S3 locations, duplicates dropped...).
    #[serde(default)]
    pub details: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub tool_version: String,
    pub updated_at: DateTime<Utc>,
    /// `invocations`, `metrics`, `costs`, `profiles`.
    pub sources: BTreeMap<String, Entry>,
}

impl Manifest {
    pub fn new() -> Manifest {
        Manifest {
            schema: SCHEMA.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            updated_at: Utc::now(),
            sources: BTreeMap::new(),
        }
    }

    /// The manifest in `dir`, or a new one when there is none yet.
    pub fn load_or_new(dir: &Path) -> anyhow::Result<Manifest> {
        let p = dir.join(MANIFEST);
        if !p.exists() {
            return Ok(Manifest::new());
        }
        Manifest::load(dir)
    }

    pub fn load(dir: &Path) -> anyhow::Result<Manifest> {
        let p = dir.join(MANIFEST);
        let text =
            std::fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
        let m: Manifest = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a bedrock-lens snapshot manifest", p.display()))?;
        if m.schema != SCHEMA {
            anyhow::bail!(
                "{}: schema `{}` is not {SCHEMA} (written by another version?)",
                p.display(),
                crate::commands::clean(&m.schema)
            );
        }
        Ok(m)
    }

    pub fn save(&mut self, dir: &Path) -> anyhow::Result<()> {
        self.updated_at = Utc::now();
        self.tool_version = env!("CARGO_PKG_VERSION").into();
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        crate::commands::write_atomic(&dir.join(MANIFEST), text.as_bytes())
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest::new()
    }
}

/// Writes a data frame as Parquet, atomically.
pub fn write_parquet(path: &Path, df: &mut DataFrame) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".bedrock-lens-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    ParquetWriter::new(tmp.reopen()?)
        .finish(df)
        .with_context(|| format!("writing {}", path.display()))?;
    crate::commands::persist(tmp, path)
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
        profile_map: existing(PROFILE_MAP),
        manifest,
    })
}

/// The columns of the usage table a record is rebuilt from.
const RECORD_COLUMNS: &[&str] = &[
    "timestamp",
    "account",
    "region",
    "inference_region",
    "request_id",
    "model_id",
    "identity_arn",
    "operation",
    "request_metadata",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "error_code",
];

/// Reads a usage table (Parquet) back into records, one row group at a time (bounded memory),
/// calling `f` for each. Returns the rows read.
pub fn read_table(path: &Path, mut f: impl FnMut(&UsageRecord)) -> anyhow::Result<u64> {
    let open = || -> anyhow::Result<ParquetReader<std::fs::File>> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(ParquetReader::new(file))
    };
    let total = open()?
        .num_rows()
        .with_context(|| format!("{}: not a readable Parquet file", path.display()))?;
    let mut offset = 0usize;
    let mut n = 0u64;
    while offset < total {
        let df = open()?
            .with_columns(Some(RECORD_COLUMNS.iter().map(|s| s.to_string()).collect()))
            .with_slice(Some((offset, BATCH_ROWS)))
            .finish()
            .with_context(|| format!("{}: not a bedrock-lens usage table", path.display()))?;
        offset += BATCH_ROWS;
        n += records_of(&df, &mut f)
            .with_context(|| format!("{}: not a bedrock-lens usage table", path.display()))?;
    }
    Ok(n)
}

fn records_of(df: &DataFrame, f: &mut impl FnMut(&UsageRecord)) -> PolarsResult<u64> {
    let s = |name: &str| -> PolarsResult<Vec<Option<&str>>> {
        Ok(df.column(name)?.str()?.iter().collect())
    };
    let u = |name: &str| -> PolarsResult<Vec<u64>> {
        Ok(df
            .column(name)?
            .u64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let ts: Vec<Option<i64>> = df
        .column("timestamp")?
        .datetime()?
        .physical()
        .iter()
        .collect();
    let (account, region, inference_region, request_id, model_id, identity, operation, meta, error) = (
        s("account")?,
        s("region")?,
        s("inference_region")?,
        s("request_id")?,
        s("model_id")?,
        s("identity_arn")?,
        s("operation")?,
        s("request_metadata")?,
        s("error_code")?,
    );
    let (input, output, cache_read, cache_write) = (
        u("input_tokens")?,
        u("output_tokens")?,
        u("cache_read_tokens")?,
        u("cache_write_tokens")?,
    );
    let mut n = 0;
    for i in 0..df.height() {
        let Some(timestamp) = ts[i].and_then(DateTime::from_timestamp_millis) else {
            continue;
        };
        let metadata: Option<BTreeMap<Str, Scalar>> = meta[i].and_then(|m| {
            serde_json::from_str::<BTreeMap<String, String>>(m)
                .ok()
                .map(|m| {
                    m.into_iter()
                        .map(|(k, v)| (Str(k.into()), Scalar(v.into())))
                        .collect()
                })
        });
        let r = UsageRecord {
            timestamp,
            account: account[i].unwrap_or(""),
            region: region[i].unwrap_or(""),
            inference_region: inference_region[i],
            model_id: model_id[i].unwrap_or(""),
            identity_arn: identity[i].unwrap_or(""),
            operation: operation[i].unwrap_or(""),
            request_id: request_id[i].unwrap_or(""),
            request_metadata: metadata.as_ref(),
            tokens: Tokens {
                input: input[i],
                output: output[i],
                cache_read: cache_read[i],
                cache_write: cache_write[i],
            },
            error_code: error[i],
            body: None,
        };
        f(&r);
        n += 1;
    }
    Ok(n)
}

/// Sorted, de-duplicated.
pub fn sorted(set: impl IntoIterator<Item = String>) -> Vec<String> {
    set.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Windows after adding `w`: windows it overlaps are merged with it.
pub fn add_window(windows: &[Window], w: Window) -> Vec<Window> {
    let mut out: Vec<Window> = vec![];
    let mut all: Vec<Window> = windows.to_vec();
    all.push(w);
    all.sort_by_key(|w| w.start);
    for w in all {
        match out.last_mut() {
            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
            _ => out.push(w),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> DateTime<Utc> {
        chrono::NaiveDate::from_ymd_opt(2026, 10, 1)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn windows_merge_when_they_overlap_or_touch() {
        let w = |a, b| Window {
            start: t(a),
            end: t(b),
        };
        assert_eq!(add_window(&[w(0, 2)], w(1, 3)), vec![w(0, 3)]);
        assert_eq!(add_window(&[w(0, 2)], w(2, 3)), vec![w(0, 3)]);
        assert_eq!(add_window(&[w(5, 6)], w(0, 1)), vec![w(0, 1), w(5, 6)]);
        assert_eq!(add_window(&[w(0, 1), w(5, 6)], w(1, 5)), vec![w(0, 6)]);
    }
}
