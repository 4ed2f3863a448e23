//! Raw flags (`cli`) resolved once into typed values: the catalog and profile map, periods,
//! group keys, the sources a command reads; `collect` and `whatif` have their own resolution
//! beside this file. Every usage error (exit 2, with a hint) is raised here or there.

pub mod collect;
pub mod dashboard;
pub mod discounts;
pub mod plan;
pub mod whatif;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Months, NaiveDate, Utc};

use crate::cli::GlobalArgs;
use crate::error::UsageError;
use crate::io::Output;
use crate::pricing::{Catalog, ProfileMap};
use crate::usage::ingest::{IngestStats, Source, STDIN};
use crate::usage::Diagnostics;
use crate::usage::{GroupKey, Period, KEY_HELP};

/// Catalog (with overrides) and inference-profile map, loaded once per run.
pub struct Env {
    pub catalog: Catalog,
    pub map: ProfileMap,
    pub quiet: bool,
    /// The files the settings were read from (price overrides, the profile map): an output
    /// must never overwrite one.
    pub setting_files: Vec<PathBuf>,
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
        let mut setting_files: Vec<PathBuf> = catalog
            .overrides
            .iter()
            .map(|o| PathBuf::from(&o.path))
            .collect();
        setting_files.extend(g.inference_profiles.clone());
        Ok(Env {
            setting_files,
            catalog,
            map,
            quiet: g.quiet,
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
    let shown = crate::io::clean(s);
    // The end of a day or month is the next midnight, which may not exist at the end of
    // chrono's range.
    let day = |d: Option<NaiveDate>| -> anyhow::Result<DateTime<Utc>> {
        d.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
            .ok_or_else(|| {
                UsageError::new(
                    format!("{flag} `{shown}` is out of range"),
                    "give a date such as 2026-10-31",
                )
                .into()
            })
    };
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return day(if is_end {
            d.checked_add_days(chrono::Days::new(1))
        } else {
            Some(d)
        });
    }
    if let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d") {
        return day(if is_end {
            d.checked_add_months(Months::new(1))
        } else {
            Some(d)
        });
    }
    Err(UsageError::new(format!("{flag} `{shown}` is not a date"), date_hint()).into())
}

/// A period of whole UTC days (`YYYY-MM-DD` or `YYYY-MM` bounds), for what the bill can be
/// compared over: the bill is daily, so a bound inside a day is a usage error.
pub fn parse_days(start: Option<&str>, end: Option<&str>) -> anyhow::Result<Period> {
    for (flag, v) in [("--start", start), ("--end", end)] {
        if let Some(v) = v.filter(|v| v.contains('T') || v.contains(':') || v.contains(' ')) {
            return Err(UsageError::new(
                format!(
                    "{flag} {}: the bill is per day, so this takes whole days",
                    crate::io::clean(v)
                ),
                format!("give YYYY-MM-DD or YYYY-MM, e.g. {flag} 2026-10-07"),
            )
            .into());
        }
    }
    parse_period(start, end)
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

pub fn parse_keys(by: &[String]) -> anyhow::Result<Vec<GroupKey>> {
    let keys = by
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| GroupKey::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| UsageError::new(e, format!("--by takes: {KEY_HELP}")))?;
    if keys.is_empty() {
        return Err(UsageError::new("--by is empty", format!("--by takes: {KEY_HELP}")).into());
    }
    for (i, k) in keys.iter().enumerate() {
        if keys[..i].contains(k) {
            return Err(UsageError::new(
                format!("--by lists `{}` twice", k.name()),
                "give each key once, e.g. --by day,model",
            )
            .into());
        }
    }
    Ok(keys)
}

/// Every --logs path exists; `-` (standard input) comes at most once, and not from a terminal
/// (where the run would wait for logs typed by hand).
pub fn check_paths(paths: &[PathBuf]) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let stdin = paths.iter().filter(|p| p.as_os_str() == STDIN).count();
    if stdin > 1 {
        return Err(UsageError::new(
            "--logs names `-` (standard input) twice",
            "standard input is read once: give `-` once (a file named `-` is `./-`)",
        )
        .into());
    }
    if stdin == 1 && std::io::stdin().is_terminal() {
        return Err(UsageError::new(
            "--logs -: standard input is a terminal",
            "pipe the logs in, e.g. `zcat logs/*.json.gz | bedrock-lens report --logs -`",
        )
        .into());
    }
    for p in paths.iter().filter(|p| p.as_os_str() != STDIN) {
        if !p.exists() {
            return Err(UsageError::new(
                format!("--logs {}: no such file or directory", p.display()),
                "give invocation-log files (.json, .jsonl, .json.gz) or directories that hold them",
            )
            .into());
        }
    }
    Ok(())
}

/// The sources a command reads: the log paths given, or a snapshot's usage table.
pub fn input_sources(
    a: &crate::cli::LogsArgs,
    stats: &mut IngestStats,
    diags: &mut Diagnostics,
) -> anyhow::Result<Vec<crate::usage::Source>> {
    let Some(dir) = &a.snapshot else {
        check_paths(&a.logs)?;
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

/// Where `flag` sends the result: stdout without it (or with `-`), else the file or stream it
/// names, checked against the files the command reads (`sources`).
pub fn output_of(
    flag: &str,
    path: Option<&Path>,
    sources: &[Source],
    other_inputs: &[PathBuf],
) -> anyhow::Result<Output> {
    let Some(path) = path else {
        return Ok(Output::Stdout);
    };
    let mut inputs: Vec<PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            Source::File(p) | Source::Table(p) => Some(p.clone()),
            Source::Stdin | Source::Memory { .. } => None,
        })
        .collect();
    inputs.extend_from_slice(other_inputs);
    Ok(Output::resolve(flag, path, &inputs)?)
}

/// An `--account` value: a 12-digit AWS account id.
pub fn check_account(a: &str) -> Result<(), UsageError> {
    if a.len() == 12 && a.chars().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    Err(UsageError::new(
        format!(
            "--account `{}` is not a 12-digit account id",
            crate::io::clean(a)
        ),
        "e.g. --account 111122223333,444455556666",
    ))
}

/// A `--region` value: a region name (`us-east-1`), never text that could end up in a request
/// or a dashboard body as something else.
pub fn check_region(r: &str) -> Result<(), UsageError> {
    // The price files' rule: a region name is the same everywhere.
    if crate::pricing::valid_region(r) {
        return Ok(());
    }
    Err(UsageError::new(
        format!("--region `{}` is not a region name", crate::io::clean(r)),
        "e.g. --region us-east-1,eu-west-1",
    ))
}
