//! `dashboard`: the CloudWatch dashboard (and alarms) for a workload; validated, then printed,
//! written or deployed.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;
use aws_sdk_cloudwatch::operation::put_dashboard::PutDashboardError;
use chrono::{NaiveDate, Utc};
use serde_json::Value;

use crate::cli::{DashboardArgs, DashboardFormat};
use crate::collect::aws::fault::describe;
use crate::collect::aws::{self, AwsArgs};
use crate::collect::cloudwatch_metrics;
use crate::error::{Outcome, UsageError};
use crate::io::{clean, io_reason};
use crate::pricing::Resolver;
use crate::render;
use crate::render::dashboard::{self, validate, Priced, Spec};
use crate::settings::{self, Env};
use crate::snapshot;

/// The generation date: SOURCE_DATE_EPOCH when set (reproducible output), else today (UTC).
fn today() -> NaiveDate {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
        .unwrap_or_else(Utc::now)
        .date_naive()
}

pub fn cmd(env: &Env, a: &DashboardArgs) -> anyhow::Result<Outcome> {
    if let Some(path) = &a.check {
        return check_file(env, path);
    }
    let d = settings::dashboard::resolve(a)?;
    super::warn_diagnostics(&d.skipped.0, &d.skipped.1, env.quiet);
    let mut pairs = d.pairs;
    let mut regions = d.regions;
    if a.discover {
        pairs.extend(discover(&d.aws, &regions)?);
    }
    let resolver = Resolver::new(&env.catalog, &env.map);
    leave_out_impossible(&resolver, &mut pairs);
    if pairs.is_empty() {
        return Err(UsageError::new(
            "no models: nothing to build a dashboard for",
            "give --model ID --region REGION, --snapshot DIR, or --discover --region REGION",
        )
        .into());
    }
    if regions.is_empty() {
        regions = snapshot::sorted(pairs.iter().map(|(_, r)| r.clone()));
    }
    let spec = Spec {
        models: snapshot::sorted(pairs.iter().map(|(m, _)| m.clone())),
        regions,
        log_group: a.log_group.clone(),
        workload: a.name.clone(),
        budget: d.budget,
        generated: today(),
    };
    let priced = priced_of(env, &resolver, &pairs);
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
    let alarms = match a.alarms {
        true => match alarms_of(&spec, &priced, &name) {
            Some(alarms) => alarms,
            None => return Ok(Outcome::Partial),
        },
        false => vec![],
    };
    let text = match a.format {
        DashboardFormat::Body => render::json(&body)?,
        DashboardFormat::Cloudformation => {
            render::json(&dashboard::cloudformation(&name, &body, &alarms))?
        }
        DashboardFormat::Alarms => render::json(&alarms)?,
    };
    if !a.put || a.out.is_some() {
        d.out.write(text.as_bytes())?;
    }
    if !a.put {
        return Ok(Outcome::Ok);
    }
    let name = a.name.as_deref().expect("clap requires --name with --put");
    put(env, &d.aws, name, &spec.regions[0], &body)
}

/// `--check FILE`: validates a dashboard body written earlier (or by hand).
fn check_file(env: &Env, path: &Path) -> anyhow::Result<Outcome> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UsageError::new(
            format!("--check {}: {}", path.display(), io_reason(&e)),
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
    Ok(Outcome::Partial)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// `--discover`: the models with metrics in each region (ListMetrics, read-only).
fn discover(aws_args: &AwsArgs, regions: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    let rt = runtime()?;
    let mut pairs = vec![];
    for r in regions {
        let found = rt.block_on(async {
            let conf = aws::config(aws_args, Some(r)).await;
            let client = aws_sdk_cloudwatch::Client::new(&conf);
            cloudwatch_metrics::discover(&client, r, &mut Default::default()).await
        })?;
        pairs.extend(found.into_iter().map(|(m, _)| (m, r.clone())));
    }
    Ok(pairs)
}

/// Leaves out, said, the pairs no call can make: a geo profile in a region of another
/// geography (its widgets would stay empty), whether --model, --snapshot or --discover named it.
fn leave_out_impossible(resolver: &Resolver, pairs: &mut BTreeSet<(String, String)>) {
    let before = pairs.len();
    pairs.retain(|(m, r)| {
        let res = resolver.resolve(m);
        let callable = res.callable_from(r);
        if !callable {
            eprintln!(
                "warning: `{}` in {r} left out: `{}.` profiles are called from their own geography only",
                clean(m),
                res.geo.as_deref().unwrap_or_default()
            );
        }
        callable
    });
    if pairs.len() < before {
        eprintln!("hint: give each model its region with --model ID@REGION");
    }
}

/// Each (model, region) priced; the unpriced ones are said once each (their cost widgets are
/// left out, never $0).
fn priced_of(env: &Env, resolver: &Resolver, pairs: &BTreeSet<(String, String)>) -> Vec<Priced> {
    let priced: Vec<Priced> = pairs
        .iter()
        .map(|(m, r)| dashboard::price(&env.catalog, resolver, m, r))
        .collect();
    for p in priced.iter().filter(|p| p.rates.is_none()) {
        eprintln!(
            "warning: no price for `{}` in {}: its cost widgets are left out (not $0): {}",
            clean(&p.model_id),
            p.region,
            clean(p.unpriced_reason.as_deref().unwrap_or("unknown"))
        );
    }
    priced
}

/// The alarms, each validated; `None` (said on stderr) when one would be invalid.
fn alarms_of(spec: &Spec, priced: &[Priced], name: &str) -> Option<Vec<Value>> {
    let (alarms, warnings) = dashboard::alarms(spec, priced, name);
    for w in warnings {
        eprintln!("warning: {w}");
    }
    for al in &alarms {
        let errs = validate::check_alarm(al);
        if !errs.is_empty() {
            for e in &errs {
                eprintln!("error: generated alarm is invalid: {e}");
            }
            return None;
        }
    }
    Some(alarms)
}

/// Prints CloudWatch's validation messages about a body.
fn print_messages(msgs: &[aws_sdk_cloudwatch::types::DashboardValidationMessage]) {
    for m in msgs {
        eprintln!(
            "CloudWatch: {}: {}",
            m.data_path().unwrap_or("(body)"),
            m.message().unwrap_or("")
        );
    }
}

/// `--put`: PutDashboard in the first region; CloudWatch's messages are printed.
fn put(
    env: &Env,
    aws_args: &AwsArgs,
    name: &str,
    region: &str,
    body: &Value,
) -> anyhow::Result<Outcome> {
    let body_text = body.to_string();
    let answer = runtime()?.block_on(async {
        let conf = aws::config(aws_args, Some(region)).await;
        let client = aws_sdk_cloudwatch::Client::new(&conf);
        client
            .put_dashboard()
            .dashboard_name(name)
            .dashboard_body(&body_text)
            .send()
            .await
            .map_err(|e| {
                // CloudWatch's reasons for refusing a body: print them all.
                if let Some(PutDashboardError::DashboardInvalidInputError(inv)) =
                    e.as_service_error()
                {
                    print_messages(inv.dashboard_validation_messages());
                }
                let mut f = describe("dashboard", Some(region), "cloudwatch", "PutDashboard", &e);
                if f.hint.as_deref().is_some_and(|h| h.contains("iam-policy")) {
                    f.hint = Some(format!(
                        "`bedrock-lens iam-policy --put-dashboard --dashboard-name {name}` prints the permission"
                    ));
                }
                f
            })
    })?;
    let msgs = answer.dashboard_validation_messages();
    print_messages(msgs);
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
