//! `dashboard`'s flags resolved before anything is built or called: the workload name, budget
//! and log group checked, the (model, region) pairs from --model and --snapshot.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::cli::{DashboardArgs, DashboardFormat};
use crate::collect::aws::AwsArgs;
use crate::error::UsageError;
use crate::io::{clean, Output};
use crate::render::dashboard::validate;
use crate::snapshot;
use crate::usage::ingest::IngestStats;
use crate::usage::Diagnostics;

/// A dashboard's settings, all checked.
pub struct DashboardSettings {
    /// Monthly budget in USD.
    pub budget: Option<Decimal>,
    /// --region, then the regions of `--model ID@REGION` (none: those of the models found).
    pub regions: Vec<String>,
    /// (model id, region) from --model (each in every --region, or in its own @REGION) and the
    /// snapshot.
    pub pairs: BTreeSet<(String, String)>,
    pub aws: AwsArgs,
    /// Where the body, template or alarms go (`--out`, default stdout).
    pub out: Output,
    /// Rows of the snapshot's invocations left out (they break a border rule).
    pub skipped: (IngestStats, Diagnostics),
}

pub fn resolve(a: &DashboardArgs) -> anyhow::Result<DashboardSettings> {
    if let Some(n) = &a.name {
        validate::check_name(n).map_err(|e| {
            UsageError::new(
                format!("--name `{}`: {e}", clean(n)),
                "e.g. --name genai-prod",
            )
        })?;
    }
    let budget = a
        .budget
        .as_deref()
        .map(|b| {
            b.trim()
                .trim_start_matches('$')
                .replace(',', "")
                .parse::<Decimal>()
                .ok()
                .filter(|d| *d > Decimal::ZERO)
                .ok_or_else(|| {
                    UsageError::new(
                        format!("--budget `{}` is not a positive amount", clean(b)),
                        "the monthly budget in USD, e.g. --budget 2000",
                    )
                })
        })
        .transpose()?;
    if let Some(g) = &a.log_group {
        validate::check_log_group(g).map_err(|e| {
            UsageError::new(
                format!("--log-group: {e}"),
                "give the log group's name, e.g. /bedrock/invocations",
            )
        })?;
    }
    if a.format == DashboardFormat::Alarms && !a.alarms {
        return Err(UsageError::new("--format alarms needs --alarms", "add --alarms").into());
    }
    // Alarms are printed, never dropped: the body alone has no place for them, and --put
    // deploys the dashboard only (nothing else is written to AWS).
    if a.alarms && a.put {
        return Err(UsageError::new(
            "--alarms with --put: --put deploys the dashboard only",
            "print the alarms with --format alarms (PutMetricAlarm inputs) or --format cloudformation, and deploy them yourself",
        )
        .into());
    }
    if a.alarms && a.format == DashboardFormat::Body {
        return Err(UsageError::new(
            "--alarms with --format body: the dashboard body has no place for alarms",
            "add --format alarms (PutMetricAlarm inputs) or --format cloudformation (dashboard and alarms)",
        )
        .into());
    }
    // The (model, region) pairs.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    let given: Vec<String> = a
        .region
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    for r in &given {
        super::check_region(r)?;
    }
    let mut regions = given.clone();
    let mut unpinned = vec![];
    for m in a.model.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
        let Some((id, r)) = m.rsplit_once('@') else {
            unpinned.push(m);
            continue;
        };
        let (id, r) = (id.trim(), r.trim());
        let problem = if id.is_empty() {
            Some("no model id before `@`".to_string())
        } else if !crate::pricing::valid_region(r) {
            Some(format!("`{}` is not a region name", clean(r)))
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(UsageError::new(
                format!("--model `{}`: {problem}", clean(m)),
                "a model in one region is ID@REGION, e.g. --model amazon.nova-micro-v1:0@us-east-1",
            )
            .into());
        }
        if !regions.iter().any(|x| x == r) {
            regions.push(r.to_string());
        }
        pairs.insert((id.to_string(), r.to_string()));
    }
    let mut skipped = (IngestStats::default(), Diagnostics::default());
    if let Some(dir) = &a.snapshot {
        let opened = snapshot::open(dir).map_err(|e| {
            UsageError::new(
                format!("--snapshot: {e:#}"),
                "give a directory `bedrock-lens collect ... --out DIR` wrote",
            )
        })?;
        let (st, dg) = &mut skipped;
        for (m, r) in snapshot::models_and_regions(dir, &opened, st, dg)? {
            if given.is_empty() || given.contains(&r) {
                pairs.insert((m, r));
            }
        }
    }
    if (!unpinned.is_empty() || a.discover) && given.is_empty() {
        return Err(UsageError::new(
            "no region: --model ID and --discover need --region",
            "e.g. --region us-east-1 (repeatable), or one region per model: --model ID@REGION",
        )
        .into());
    }
    for m in unpinned {
        for r in &given {
            pairs.insert((m.to_string(), r.clone()));
        }
    }
    let out = match &a.out {
        Some(p) => Output::resolve("--out", p, &[])?,
        None => Output::Stdout,
    };
    Ok(DashboardSettings {
        out,
        budget,
        regions,
        pairs,
        aws: AwsArgs {
            profile: a.profile.clone(),
            endpoint_url: a.endpoint_url.clone(),
        },
        skipped,
    })
}
