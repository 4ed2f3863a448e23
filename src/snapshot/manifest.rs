//! The snapshot's manifest: per source, the windows collected, regions, accounts, row counts,
//! the API calls of the last collection and their cost, and source-specific details.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{MANIFEST, SCHEMA};
use crate::money::micros_decimal;

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
                crate::io::clean(&m.schema)
            );
        }
        Ok(m)
    }

    pub fn save(&mut self, dir: &Path) -> anyhow::Result<()> {
        self.updated_at = Utc::now();
        self.tool_version = env!("CARGO_PKG_VERSION").into();
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        crate::io::write_atomic(&dir.join(MANIFEST), text.as_bytes())
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest::new()
    }
}

/// What a collection adds to its source's manifest entry.
pub struct Saved {
    /// Manifest key (`metrics`, `invocations`...) and the file it describes.
    pub name: &'static str,
    pub file: &'static str,
    pub rows: u64,
    /// The window collected (merged into the entry's windows).
    pub window: Option<Window>,
    pub regions: Regions,
    /// Accounts added to the entry's.
    pub accounts: Vec<String>,
}

/// The API calls a collection made, per operation, and their cost in micro-dollars.
pub struct Calls<'a> {
    pub per_operation: &'a BTreeMap<String, u64>,
    pub cost_micros: u64,
}

pub enum Regions {
    /// Added to the entry's regions.
    Add(Vec<String>),
    /// The entry's regions from now on (derived from the whole file).
    Exactly(Vec<String>),
}

/// Updates one source's manifest entry after its files were written: the common fields from
/// `s` and the collection's `calls`, then the source's own `details`.
pub fn save_manifest(
    dir: &Path,
    s: Saved,
    calls: Calls,
    details: impl FnOnce(&mut BTreeMap<String, serde_json::Value>),
) -> anyhow::Result<()> {
    let mut m = Manifest::load_or_new(dir)?;
    let e = m.sources.entry(s.name.to_string()).or_default();
    e.file = s.file.into();
    e.rows = s.rows;
    if let Some(w) = s.window {
        e.windows = add_window(&e.windows, w);
    }
    e.regions = match s.regions {
        Regions::Add(r) => sorted(e.regions.drain(..).chain(r)),
        Regions::Exactly(r) => sorted(r),
    };
    e.accounts = sorted(e.accounts.drain(..).chain(s.accounts));
    e.api_calls = calls.per_operation.clone();
    e.api_cost_usd = micros_decimal(calls.cost_micros);
    details(&mut e.details);
    e.collected_at = Some(Utc::now());
    m.save(dir)
}

/// Sorted, de-duplicated.
pub fn sorted(set: impl IntoIterator<Item = String>) -> Vec<String> {
    set.into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// Adds `new` to the sorted list of text under `key` in a manifest entry's details.
pub fn add_to_list(details: &mut BTreeMap<String, serde_json::Value>, key: &str, new: &[String]) {
    let earlier: Vec<String> = details
        .get(key)
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    let all = sorted(earlier.into_iter().chain(new.iter().cloned()));
    details.insert(key.to_string(), serde_json::json!(all));
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
