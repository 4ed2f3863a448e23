//! `dashboard`: the CloudWatch dashboard (and alarms) for a workload; validated, then printed,
//! written or deployed.

use std::collections::BTreeSet;

use anyhow::Context;
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::cli::{DashboardArgs, DashboardFormat};
use crate::collect::aws::{self, AwsArgs};
use crate::dashboard::{self, validate, Priced, Spec};
use crate::error::{Outcome, UsageError};
use crate::pricing::Resolver;
use crate::snapshot;

use super::{emit, write_atomic, Env};

/// The generation date: SOURCE_DATE_EPOCH when set (reproducible output), else today (UTC).
fn today() -> NaiveDate {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now)
        .date_naive()
}

fn output(a: &DashboardArgs, text: &str) -> anyhow::Result<()> {
    match &a.out {
        Some(p) => write_atomic(p, text.as_bytes()),
        None => emit(text),
    }
}

/// (model id, region) pairs from a snapshot: its metrics, else its invocations.
fn from_snapshot(dir: &std::path::Path) -> anyhow::Result<Vec<(String, String)>> {
    let opened = snapshot::open(dir).map_err(|e| {
        UsageError::new(
            format!("--snapshot: {e:#}"),
            "give a directory `bedrock-lens collect ... --out DIR` wrote",
        )
    })?;
    let metrics = dir.join(snapshot::METRICS);
    let mut pairs = BTreeSet::new();
    if metrics.exists() {
        let df = snapshot::read_parquet(&metrics)?;
        let col = |n: &str| -> anyhow::Result<Vec<String>> {
            Ok(df
                .column(n)?
                .str()?
                .iter()
                .map(|v| v.unwrap_or_default().to_string())
                .collect())
        };
        let (m, r) = (col("model_id")?, col("region")?);
        pairs.extend(m.into_iter().zip(r));
    } else if let Some(inv) = opened.invocations {
        snapshot::read_table(&inv, |rec| {
            pairs.insert((rec.model_id.to_string(), rec.region.to_string()));
        })?;
    }
    Ok(pairs
        .into_iter()
        .filter(|(m, r)| !m.is_empty() && !r.is_empty())
        .collect())
}

pub fn cmd(env: &Env, a: &DashboardArgs) -> anyhow::Result<Outcome> {
    if let Some(path) = &a.check {
        let text = std::fs::read_to_string(path).map_err(|e| {
            UsageError::new(
                format!("--check {}: {}", path.display(), e.kind()),
                "give a dashboard body JSON file",
            )
        })?;
        let body: Value = serde_json::from_str(&text).map_err(|e| {
            UsageError::new(
                format!(
                    "--check {}: not JSON (line {}, column {})",
                    path.display(),
                    e.line(),
                    e.column()
                ),
                "a dashboard body is a JSON object with a `widgets` array",
            )
        })?;
        let errs = validate::check(&body);
        if errs.is_empty() {
            if !env.quiet {
                eprintln!("{}: valid dashboard body", path.display());
            }
            return Ok(Outcome::Ok);
        }
        for e in &errs {
            eprintln!("{}: {e}", path.display());
        }
        return Ok(Outcome::Partial);
    }
    if let Some(n) = &a.name {
        validate::check_name(n).map_err(|e| {
            UsageError::new(
                format!("--name `{}`: {e}", super::clean(n)),
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
                        format!("--budget `{}` is not a positive amount", super::clean(b)),
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
    // The (model, region) pairs.
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut regions: Vec<String> = a
        .region
        .iter()
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if let Some(dir) = &a.snapshot {
        for (m, r) in from_snapshot(dir)? {
            if regions.is_empty() || a.region.iter().any(|x| x.trim() == r) {
                pairs.insert((m, r));
            }
        }
    }
    if !a.model.is_empty() || a.discover {
        if regions.is_empty() {
            return Err(UsageError::new(
                "no region: --model and --discover need --region",
                "e.g. --region us-east-1 (repeatable)",
            )
            .into());
        }
    }
    for m in a.model.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
        for r in &regions {
            pairs.insert((m.to_string(), r.clone()));
        }
    }
    let aws_args = AwsArgs {
        profile: a.profile.clone(),
        endpoint_url: a.endpoint_url.clone(),
    };
    let rt = || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")
    };
    if a.discover {
        let rt = rt()?;
        for r in &regions {
            let found = rt.block_on(async {
                let conf = aws::config(&aws_args, Some(r)).await;
                let client = aws_sdk_cloudwatch::Client::new(&conf);
                crate::collect::metrics::discover(&client, r, &mut Default::default()).await
            })?;
            for (m, _) in found {
                pairs.insert((m, r.clone()));
            }
        }
    }
    if pairs.is_empty() {
        return Err(UsageError::new(
            "no models: nothing to build a dashboard for",
            "give --model ID --region REGION, --snapshot DIR, or --discover --region REGION",
        )
        .into());
    }
    if regions.is_empty() {
        regions = pairs
            .iter()
            .map(|(_, r)| r.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
    }
    let models: Vec<String> = pairs
        .iter()
        .map(|(m, _)| m.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let spec = Spec {
        models,
        regions,
        log_group: a.log_group.clone(),
        workload: a.name.clone(),
        budget,
        generated: today(),
    };
    let resolver = Resolver::new(&env.catalog, &env.map);
    let priced: Vec<Priced> = pairs
        .iter()
        .map(|(m, r)| dashboard::price(&env.catalog, &resolver, m, r))
        .collect();
    for p in priced.iter().filter(|p| p.rates.is_none()) {
        eprintln!(
            "warning: no price for `{}` in {}: its cost widgets are left out (not $0): {}",
            p.model_id,
            p.region,
            p.unpriced_reason.as_deref().unwrap_or("unknown")
        );
    }
    if a.alarms && a.format == DashboardFormat::Cloudformation && spec.regions.len() > 1 {
        return Err(UsageError::new(
            format!(
                "--alarms with --format cloudformation covers one region; {} were given",
                spec.regions.len()
            ),
            "a stack and its alarms live in one region: generate one template per --region (the dashboard itself can show several regions without --alarms)",
        )
        .into());
    }
    let body = dashboard::build(&spec, &priced);
    let errs = validate::check(&body);
    if !errs.is_empty() {
        for e in &errs {
            eprintln!("error: the dashboard would be invalid: {e}");
        }
        eprintln!(
            "hint: {} model/region pairs make too large a dashboard? build one per region or per workload (--region, --model)",
            priced.len()
        );
        return Ok(Outcome::Partial);
    }
    let name = a.name.clone().unwrap_or_else(|| "bedrock-lens".into());
    let alarms = if a.alarms {
        let (alarms, warnings) = dashboard::alarms(&spec, &priced, &name);
        for w in warnings {
            eprintln!("warning: {w}");
        }
        for al in &alarms {
            let errs = validate::check_alarm(al);
            if !errs.is_empty() {
                for e in &errs {
                    eprintln!("error: generated alarm is invalid: {e}");
                }
                return Ok(Outcome::Partial);
            }
        }
        alarms
    } else {
        vec![]
    };
    let text = match a.format {
        DashboardFormat::Body => crate::render::json(&body)?,
        DashboardFormat::Cloudformation => {
            crate::render::json(&dashboard::cloudformation(&name, &body, &alarms))?
        }
        DashboardFormat::Alarms => crate::render::json(&alarms)?,
    };
    if !a.put || a.out.is_some() {
        output(a, &text)?;
    }
    if !a.put {
        return Ok(Outcome::Ok);
    }
    let name = a.name.as_deref().expect("clap requires --name with --put");
    let rt = rt()?;
    let body_text = body.to_string();
    let region = spec.regions[0].clone();
    let messages = rt.block_on(async {
        let conf = aws::config(&aws_args, Some(&region)).await;
        let client = aws_sdk_cloudwatch::Client::new(&conf);
        client
            .put_dashboard()
            .dashboard_name(name)
            .dashboard_body(&body_text)
            .send()
            .await
            .map_err(|e| {
                // CloudWatch's reasons for refusing a body: print them all.
                if let Some(aws_sdk_cloudwatch::operation::put_dashboard::PutDashboardError::DashboardInvalidInputError(inv)) =
                    e.as_service_error()
                {
                    for m in inv.dashboard_validation_messages() {
                        eprintln!(
                            "CloudWatch: {}: {}",
                            m.data_path().unwrap_or("(body)"),
                            m.message().unwrap_or("")
                        );
                    }
                }
                let mut f = crate::collect::fault::describe(
                    "dashboard",
                    Some(&region),
                    "cloudwatch",
                    "PutDashboard",
                    &e,
                );
                if f.hint.as_deref().is_some_and(|h| h.contains("iam-policy")) {
                    f.hint = Some(format!(
                        "`bedrock-lens iam-policy --put-dashboard --dashboard-name {name}` prints the permission"
                    ));
                }
                f
            })
    })?;
    let msgs = messages.dashboard_validation_messages();
    for m in msgs {
        eprintln!(
            "CloudWatch: {}: {}",
            m.data_path().unwrap_or("(body)"),
            m.message().unwrap_or("")
        );
    }
    if !env.quiet {
        eprintln!(
            "deployed dashboard `{name}` ({} widgets){}",
            body["widgets"].as_array().map_or(0, Vec::len),
            if msgs.is_empty() {
                ""
            } else {
                " with the messages above"
            }
        );
    }
    Ok(if msgs.is_empty() {
        Outcome::Ok
    } else {
        Outcome::Partial
    })
}
