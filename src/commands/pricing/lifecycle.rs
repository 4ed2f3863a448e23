//! `pricing check`'s lifecycle part: the models past their end-of-life date, and with `--logs`,
//! which of them the logs still call (they stay priced: old logs still need their prices).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::cli::LogsArgs;
use crate::commands::pipeline::{run_report, ReportPlan};
use crate::money::group_thousands;
use crate::pricing::{CacheTtl, Catalog, ProfileMap};
use crate::settings::{input_sources, Env};
use crate::usage::ingest::IngestStats;
use crate::usage::{Diagnostics, GroupKey, Period};

/// Calls to one ended model found in the logs.
struct Seen {
    invocations: u64,
    last_day: String,
}

/// The lines `pricing check` prints about ended models.
pub(super) fn ended(catalog: &Catalog, logs: &[PathBuf]) -> anyhow::Result<String> {
    let today = chrono::Utc::now().date_naive();
    let ended: Vec<(&str, &str, NaiveDate)> = catalog
        .models
        .iter()
        .filter(|m| m.ended_by(today))
        .map(|m| {
            (
                m.key.as_str(),
                m.name.as_str(),
                m.end_of_life.expect("ended"),
            )
        })
        .collect();
    if ended.is_empty() {
        return Ok(String::new());
    }
    if logs.is_empty() {
        let names: Vec<String> = ended.iter().map(|(k, _, d)| format!("{k} ({d})")).collect();
        return Ok(format!(
            "past end of life ({} model(s), still priced: old logs need their prices): {}\nhint: `bedrock-lens pricing check --logs PATH` says which of them your logs still call\n",
            ended.len(),
            names.join(", ")
        ));
    }
    let seen = calls_by_model(catalog, logs)?;
    let mut out = String::new();
    let called: Vec<String> = ended
        .iter()
        .filter_map(|(k, name, d)| {
            seen.get(*k).map(|s| {
                format!(
                    "  {k} ({name}): ended {d}; in the logs: {} invocation(s), the last on {}\n",
                    group_thousands(s.invocations),
                    s.last_day
                )
            })
        })
        .collect();
    if called.is_empty() {
        out.push_str(&format!(
            "the logs call no model past its end of life ({} in the catalog)\n",
            ended.len()
        ));
    } else {
        out.push_str(&format!(
            "models past their end of life that the logs still call ({}; still priced, but move off them):\n{}",
            called.len(),
            called.concat()
        ));
    }
    Ok(out)
}

/// Invocations and last day per catalog key in the logs.
fn calls_by_model(catalog: &Catalog, logs: &[PathBuf]) -> anyhow::Result<BTreeMap<String, Seen>> {
    let env = Env {
        catalog: catalog.clone(),
        map: ProfileMap::default(),
        quiet: true,
        setting_files: vec![],
    };
    let args = LogsArgs {
        logs: logs.to_vec(),
        snapshot: None,
        start: None,
        end: None,
        keep_duplicates: false,
    };
    let mut stats = IngestStats::default();
    let mut diags = Diagnostics::default();
    let sources = input_sources(&args, &mut stats, &mut diags)?;
    let plan = ReportPlan {
        groupings: &[vec![GroupKey::Model, GroupKey::Day]],
        ttl: CacheTtl::FiveMinutes,
        period: Period {
            start: None,
            end: None,
        },
        table: None,
        keep_duplicates: false,
    };
    let run = run_report(&env, &sources, &plan, stats, diags);
    let mut seen: BTreeMap<String, Seen> = BTreeMap::new();
    for row in &run.reports[0].rows {
        let (Some((_, Some(model))), Some((_, Some(day)))) = (row.keys.first(), row.keys.get(1))
        else {
            continue;
        };
        let s = seen.entry(model.clone()).or_insert(Seen {
            invocations: 0,
            last_day: day.clone(),
        });
        s.invocations += row.counts.invocations;
        if *day > s.last_day {
            s.last_day = day.clone();
        }
    }
    Ok(seen)
}
