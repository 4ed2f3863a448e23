//! Subcommands, and what they share: loading the catalog and profile map, dates, output.

pub mod collect;
pub mod dashboard;
pub mod demo;
pub mod iam;
pub mod pricing;
pub mod report;
pub mod whatif;

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Months, NaiveDate, Utc};

use crate::cli::GlobalArgs;
use crate::error::UsageError;
use crate::pricing::{Catalog, ProfileMap};
use crate::usage::ingest::{Diagnostics, IngestStats};
use crate::usage::Period;

/// Catalog (with overrides) and inference-profile map, loaded once per run.
pub struct Env {
    pub catalog: Catalog,
    pub map: ProfileMap,
    pub quiet: bool,
    pub overrides: Vec<String>,
}

impl Env {
    pub fn load(g: &GlobalArgs) -> anyhow::Result<Env> {
        for p in &g.pricing {
            if !p.exists() {
                return Err(UsageError::new(
                    format!("--pricing {}: no such file or directory", p.display()),
                    "give a TOML/JSON price file or a directory of them",
                )
                .into());
            }
        }
        let catalog = Catalog::load(&g.pricing).map_err(|e| {
            UsageError::new(
                format!("--pricing: {e}"),
                "`bedrock-lens pricing check FILE` validates a price file; the README shows the format",
            )
        })?;
        let map = match &g.inference_profiles {
            Some(p) if !p.exists() => {
                return Err(UsageError::new(
                    format!("--inference-profiles {}: no such file", p.display()),
                    "see `bedrock-lens --help` for the file format",
                )
                .into())
            }
            Some(p) => ProfileMap::load(p).map_err(|e| {
                UsageError::new(
                    format!("{e:#}"),
                    "the file holds [[application_profile]] / [[provisioned_model]] tables with `arn`, `model` and optional `name`",
                )
            })?,
            None => ProfileMap::default(),
        };
        Ok(Env {
            catalog,
            map,
            quiet: g.quiet,
            overrides: g.pricing.iter().map(|p| p.display().to_string()).collect(),
        })
    }
}

fn date_hint() -> &'static str {
    "use YYYY-MM-DD (e.g. 2026-10-31), YYYY-MM (a whole month) or an RFC 3339 timestamp (2026-10-31T12:00:00Z)"
}

/// Parses `--start`/`--end`. Dates and months cover whole days/months: the end is exclusive
/// after the last day given.
pub fn parse_bound(flag: &str, s: &str, is_end: bool) -> anyhow::Result<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    let day = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap().and_utc();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(if is_end {
            day(d + chrono::Days::new(1))
        } else {
            day(d)
        });
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d") {
        return Ok(if is_end {
            day(d + Months::new(1))
        } else {
            day(d)
        });
    }
    Err(UsageError::new(format!("{flag} `{s}` is not a date"), date_hint()).into())
}

pub fn parse_period(start: Option<&str>, end: Option<&str>) -> anyhow::Result<Period> {
    let p = Period {
        start: start
            .map(|s| parse_bound("--start", s, false))
            .transpose()?,
        end: end.map(|s| parse_bound("--end", s, true)).transpose()?,
    };
    if let (Some(s), Some(e)) = (p.start, p.end) {
        if s >= e {
            return Err(UsageError::new(
                format!(
                    "--start {} is not before --end {}",
                    start.unwrap(),
                    end.unwrap()
                ),
                "--end is the last day to include; swap the two dates?",
            )
            .into());
        }
    }
    Ok(p)
}

/// Writes data to stdout; a closed pipe (`| head`) is a normal end.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}

/// Writes a file atomically: a temp file in the same directory, renamed over the target, so a
/// reader never sees half a file and an interrupted run leaves the old one in place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".bedrock-lens-")
        .tempfile_in(dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("writing {}", path.display()))?;
    persist(tmp, path)
}

/// Moves a finished temporary file over `path`, readable like any file the user creates
/// (temporary files start private).
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.persist(path)
        .with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Text from the input made safe for a terminal: control characters (escape sequences that
/// could retitle or clear the terminal) shown as `?`.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// Warns when nothing was read; with `--strict`, any unusable line or file (or no record at
/// all) makes the run exit 1.
pub fn input_outcome(stats: &IngestStats, strict: bool) -> crate::error::Outcome {
    if stats.records == 0 {
        eprintln!("warning: no invocation records found in the input");
    }
    let bad = stats.skipped_lines + stats.file_errors + (stats.records == 0) as u64;
    if strict && bad > 0 {
        eprintln!("error: --strict: {bad} line(s) or file(s) could not be used");
        crate::error::Outcome::Partial
    } else {
        crate::error::Outcome::Ok
    }
}

/// Prints what could not be read: first few in full (location and reason, never content).
pub fn warn_diagnostics(stats: &IngestStats, diags: &Diagnostics) {
    if diags.total == 0 {
        return;
    }
    eprintln!(
        "warning: {} problem(s) in the input: {} line(s) skipped, {} file(s) not fully read; everything else is in the report",
        diags.total, stats.skipped_lines, stats.file_errors
    );
    for d in &diags.shown {
        eprintln!("  {}: {}", clean(&d.location), clean(&d.message));
    }
    if diags.hidden() > 0 {
        eprintln!("  ... and {} more", diags.hidden());
    }
}

/// The sources a command reads: the log paths given, or a snapshot's usage table.
pub fn input_sources(
    a: &crate::cli::LogsArgs,
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
) -> anyhow::Result<Vec<crate::usage::Source>> {
    let Some(dir) = &a.snapshot else {
        report::check_paths(&a.logs)?;
        return Ok(crate::usage::ingest::discover(&a.logs, stats, diags));
    };
    let snap = crate::snapshot::open(dir).map_err(|e| {
        UsageError::new(
            format!("--snapshot: {e:#}"),
            "give the directory `bedrock-lens collect ... --out DIR` wrote",
        )
    })?;
    match snap.invocations {
        Some(p) => Ok(vec![crate::usage::Source::Table(p)]),
        None => Err(UsageError::new(
            format!(
                "--snapshot {}: holds no invocation records (sources: {})",
                dir.display(),
                if snap.manifest.sources.is_empty() {
                    "none".to_string()
                } else {
                    snap.manifest
                        .sources
                        .keys()
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ),
            "collect them first: `bedrock-lens collect logs --log-group NAME --out DIR` (or --s3)",
        )
        .into()),
    }
}

/// A snapshot's inference-profile map stands in for --inference-profiles when none is given.
pub fn with_snapshot_profiles(g: &GlobalArgs, snapshot: Option<&Path>) -> GlobalArgs {
    let mut g = g.clone();
    if let Some(dir) = snapshot {
        let map = dir.join(crate::snapshot::PROFILE_MAP);
        if g.inference_profiles.is_none() && map.exists() {
            g.inference_profiles = Some(map);
        }
    }
    g
}
