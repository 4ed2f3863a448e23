//! `collect`: pull a period of usage and cost from AWS into a snapshot directory. One file per
//! source (`metrics`, `logs`, `costs`, `profiles`), each: call the collector per region, render
//! the summary, store what completed in the snapshot.
//!
//! Every argument is checked before the first call (`settings::collect`). Each (source, region)
//! runs on its own: one that fails is reported (with the IAM action or credential problem) and
//! the others complete; the run then exits 1 with a summary. Files are written only when their
//! source completed, each atomically, and the manifest last; Ctrl-C leaves the snapshot as it was.

mod athena;
mod athena_check;
mod costs;
mod insights;
mod logs;
mod metrics;
mod profiles;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::Utc;

use crate::cli::CollectCommand;
use crate::collect::aws::fault::Failure;
use crate::collect::aws::{self, AwsArgs};
use crate::error::Outcome;
use crate::io::{clean, emit};
use crate::money::{group_thousands, micros_usd};
use crate::settings::{self, Env};
use crate::snapshot::{self, Saved, Window};
use crate::usage::Diagnostics;

pub use crate::settings::collect::out_of;

/// What a collection did, for the summary and the manifest.
struct Done {
    /// Text for stdout.
    summary: String,
    failures: Vec<Failure>,
    /// API calls per operation, and their cost in micro-dollars.
    calls: BTreeMap<String, u64>,
    cost_micros: u64,
    /// Something completed (a source with no success writes nothing).
    any_ok: bool,
    /// Notes for stderr (metrics requested, bytes scanned...).
    notes: Vec<String>,
}

impl Done {
    fn new(ctx: &Ctx) -> Done {
        let mut calls = BTreeMap::new();
        calls.insert("GetCallerIdentity".to_string(), 1);
        Done {
            summary: String::new(),
            failures: ctx.account_failure.iter().cloned().collect(),
            calls,
            cost_micros: 0,
            any_ok: false,
            notes: vec![],
        }
    }
    /// Updates `name`'s manifest entry in `dir` with what this collection saved and its calls.
    fn save(
        &self,
        dir: &Path,
        saved: Saved,
        details: impl FnOnce(&mut BTreeMap<String, serde_json::Value>),
    ) -> anyhow::Result<()> {
        let calls = snapshot::Calls {
            per_operation: &self.calls,
            cost_micros: self.cost_micros,
        };
        snapshot::save_manifest(dir, saved, calls, details)
    }

    fn count(&mut self, op: &str, n: u64) {
        if n > 0 {
            *self.calls.entry(op.to_string()).or_default() += n;
        }
    }
}

/// Says which earlier rows of `file` break a border rule and are left out as it is rewritten.
fn warn_dropped(file: &Path, dropped: &Diagnostics) {
    if dropped.total == 0 {
        return;
    }
    eprintln!(
        "warning: {} earlier row(s) of {} break a border rule and are left out as it is rewritten:",
        group_thousands(dropped.total),
        clean(&file.display().to_string())
    );
    super::list_diagnostics(dropped);
    eprintln!("  hint: `collect` writes no such rows, so the file was changed after it wrote it; collect the period they covered again if you need them");
}

/// Period and regions, checked before any call.
struct Ctx {
    /// Configuration (credentials resolved once); `aws::for_region` derives each region's.
    base: aws_config::SdkConfig,
    /// The account of the credentials (None when STS could not tell: `account_failure`).
    account: Option<String>,
    account_failure: Option<Failure>,
    regions: Vec<String>,
    window: Window,
    out: Option<PathBuf>,
    quiet: bool,
    /// Held while writing into the snapshot: accounts collected in parallel write one at a time.
    write: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// `collect all`: each source as its own collection into the same snapshot, in turn; a
/// source's failure is said and the others still run.
fn all(env: &Env, a: &crate::cli::CollectAllArgs) -> anyhow::Result<Outcome> {
    use crate::cli::{
        CollectCostsArgs, CollectLogsArgs, CollectMetricsArgs, CollectProfilesArgs, CollectSource,
    };
    let mut target = a.target.clone();
    if let Some(m) = &a.month {
        if chrono::NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").is_err() {
            return Err(crate::error::UsageError::new(
                format!("--month {}: not a month", crate::io::clean(m)),
                "give YYYY-MM, e.g. --month 2026-10",
            )
            .into());
        }
        target.start = Some(m.clone());
        target.end = Some(m.clone());
    }
    let wanted = |s: CollectSource| a.sources.is_empty() || a.sources.contains(&s);
    let logs_where = !a.log_group.is_empty() || !a.s3.is_empty();
    if a.sources.contains(&CollectSource::Logs) && !logs_where {
        return Err(crate::error::UsageError::new(
            "--sources logs: say where the invocation logs are",
            "add --log-group NAME or --s3 s3://bucket/prefix (the model-invocation logging destination)",
        )
        .into());
    }
    let mut plan: Vec<(&str, CollectCommand)> = vec![];
    if wanted(CollectSource::Metrics) {
        plan.push((
            "metrics",
            CollectCommand::Metrics(CollectMetricsArgs {
                target: target.clone(),
                period: a.period.clone(),
                model_id: a.model_id.clone(),
            }),
        ));
    }
    if wanted(CollectSource::Logs) && logs_where {
        plan.push((
            "logs",
            CollectCommand::Logs(CollectLogsArgs {
                target: target.clone(),
                log_group: a.log_group.clone(),
                s3: a.s3.clone(),
                server_side: false,
                cache_write_ttl: crate::pricing::CacheTtl::FiveMinutes,
                athena: Default::default(),
            }),
        ));
    }
    if wanted(CollectSource::Costs) {
        plan.push((
            "costs",
            CollectCommand::Costs(CollectCostsArgs {
                target: target.clone(),
                linked_account: a.linked_account,
                service: a.service.clone(),
            }),
        ));
    }
    if wanted(CollectSource::Profiles) {
        plan.push((
            "profiles",
            CollectCommand::Profiles(CollectProfilesArgs {
                target: target.clone(),
            }),
        ));
    }
    let mut results: Vec<(&str, String)> = vec![];
    if wanted(CollectSource::Logs) && !logs_where {
        results.push((
            "logs",
            "skipped: no --log-group or --s3 (model-invocation logging is off by default; metrics and the bill still price the month)".into(),
        ));
    }
    let mut failed = 0;
    for (name, c) in &plan {
        if !env.quiet {
            eprintln!("== collect {name} ==");
        }
        let r = match cmd(env, c) {
            Ok(Outcome::Ok) => "ok".to_string(),
            Ok(_) => {
                failed += 1;
                "failed in part (see above); what was collected is saved".to_string()
            }
            Err(e) => {
                failed += 1;
                format!("failed: {}", crate::io::clean(&format!("{e:#}")))
            }
        };
        results.push((name, r));
    }
    let mut summary = String::from("\ncollect all:\n");
    for (name, r) in &results {
        summary.push_str(&format!("  {name:<9} {r}\n"));
    }
    if let (Some(dir), true) = (
        &target.out,
        results
            .iter()
            .any(|(_, r)| r.starts_with("ok") || r.contains("is saved")),
    ) {
        summary.push_str(&format!("snapshot: {}\n", dir.display()));
    }
    eprint!("{summary}");
    Ok(if failed > 0 {
        Outcome::Partial
    } else {
        Outcome::Ok
    })
}

/// One account to collect: its credentials (or why there are none) and how they were had.
struct Target {
    /// `default credentials`, `profile NAME` or the role's ARN.
    via: String,
    conf: Result<aws_config::SdkConfig, Failure>,
}

/// The accounts to collect: a role assumed in each --account (or organization account), each
/// --profile, or the one set of credentials.
async fn targets(
    t: &crate::cli::AwsTarget,
    base: &aws_config::SdkConfig,
    home: &str,
) -> Vec<Target> {
    if let Some(template) = &t.role_arn {
        use crate::collect::discovery::{assume_in_each, Accounts};
        let accounts = if t.organization {
            Accounts::Organization
        } else {
            Accounts::Listed(&t.accounts)
        };
        let home_conf = aws::for_region(base, home);
        let ext = t.external_id.as_deref();
        return match assume_in_each(
            &home_conf,
            template,
            accounts,
            ext,
            t.parallel as usize,
            true,
        )
        .await
        {
            Ok(each) => each
                .into_iter()
                .map(|a| Target {
                    via: a.role_arn,
                    conf: a.conf,
                })
                .collect(),
            Err(f) => vec![Target {
                via: "organizations:ListAccounts".into(),
                conf: Err(f),
            }],
        };
    }
    if t.profile.len() > 1 {
        let mut out = vec![];
        for p in &t.profile {
            let args = AwsArgs {
                profile: Some(p.clone()),
                endpoint_url: t.endpoint_url.clone(),
            };
            out.push(Target {
                via: format!("profile {}", clean(p)),
                conf: Ok(aws::config(&args, None).await),
            });
        }
        return out;
    }
    vec![Target {
        via: match t.profile.first() {
            Some(p) => format!("profile {}", clean(p)),
            None => "default credentials".into(),
        },
        conf: Ok(base.clone()),
    }]
}

pub fn cmd(env: &Env, c: &CollectCommand) -> anyhow::Result<Outcome> {
    if let CollectCommand::All(a) = c {
        return all(env, a);
    }
    let s = settings::collect::resolve(c, Utc::now())?;
    let t = s.target;
    let quiet = env.quiet;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let aws_args = AwsArgs {
        profile: t.profile.first().cloned(),
        endpoint_url: t.endpoint_url.clone(),
    };
    let base = rt.block_on(aws::config(&aws_args, None));
    let regions = match c {
        // Cost Explorer has one endpoint, in us-east-1.
        CollectCommand::Costs(_) => vec!["us-east-1".to_string()],
        _ => settings::collect::regions_of(base.region().map(|r| r.as_ref()), &t.region)?,
    };
    // Several profiles: each is checked on its own (one without credentials fails alone).
    let several_profiles = t.profile.len() > 1;
    let checked = if several_profiles {
        Ok(())
    } else {
        rt.block_on(aws::check_credentials(&base))
    };
    if let Err(why) = checked {
        eprintln!("error: {why}: nothing was collected");
        eprintln!("hint: {}", aws::CREDENTIALS_HINT);
        return Ok(Outcome::Partial);
    }
    if matches!(c, CollectCommand::Costs(_))
        && (t.role_arn.is_some() || t.profile.len() > 1)
        && !quiet
    {
        eprintln!("note: Cost Explorer in a management account already shows its members' spend: collect costs from it alone (--linked-account splits them), or from the members without it, or the members are counted twice");
    }
    if s.cut && !quiet {
        eprintln!("note: --end is in the future; collecting up to now");
    }
    if !quiet {
        for n in &s.notes {
            eprintln!("{n}");
        }
    }
    if let Some(dir) = &t.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating the snapshot directory {}", dir.display()))?;
    }
    // Writes into the snapshot, one collection at a time (accounts are collected in parallel).
    let write = std::sync::Arc::new(tokio::sync::Mutex::new(()));
    let one = |conf: aws_config::SdkConfig| {
        let (regions, write) = (regions.clone(), write.clone());
        let s = &s;
        async move {
            let base = aws::for_region(&conf, &regions[0]);
            let (account, account_failure) = match aws::account(&base).await {
                Ok(a) => (Some(a), None),
                // A snapshot files every row under its account: without one, a later
                // collection could not tell its rows from these. Stop before any data call.
                Err(f) if t.out.is_some() => {
                    anyhow::bail!(
                        "cannot tell which account the credentials belong to, so nothing is collected into --out: {f}"
                    )
                }
                Err(f) => (None, Some(f)),
            };
            let ctx = Ctx {
                base,
                account,
                account_failure,
                regions,
                window: s.window.clone(),
                out: t.out.clone(),
                quiet,
                write,
            };
            let done = match c {
                CollectCommand::Metrics(a) => {
                    metrics::run(&ctx, a, s.period.unwrap_or(3600)).await?
                }
                CollectCommand::Logs(a) => match &s.athena {
                    Some(plan) => athena::run(env, &ctx, a, plan).await?,
                    None => logs::run(env, &ctx, a, &s.s3_locations).await?,
                },
                CollectCommand::Costs(a) => costs::run(&ctx, a).await?,
                CollectCommand::Profiles(a) => profiles::run(&ctx, a).await?,
                CollectCommand::All(_) => unreachable!("expanded by all()"),
            };
            anyhow::Ok(done)
        }
    };
    let work = async {
        use futures_util::StreamExt;
        let targets = targets(t, &base, &regions[0]).await;
        let runs = targets.iter().map(|target| {
            let conf = target.conf.clone();
            let one = &one;
            async move {
                match conf {
                    Ok(conf) => one(conf).await,
                    Err(f) => Err(anyhow::anyhow!("{f}")),
                }
            }
        });
        let results: Vec<anyhow::Result<Done>> = futures_util::stream::iter(runs)
            .buffered(t.parallel as usize)
            .collect()
            .await;
        anyhow::Ok(
            targets
                .into_iter()
                .map(|t| t.via)
                .zip(results)
                .collect::<Vec<_>>(),
        )
    };
    // An Athena query is stopped on Ctrl-C by the collection itself (StopQueryExecution) before
    // it ends; other collections end here, writing nothing more.
    let stops_itself = s.athena.is_some();
    let results = rt.block_on(async {
        if stops_itself {
            return work.await;
        }
        let many = t.role_arn.is_some() || t.profile.len() > 1;
        tokio::select! {
            r = work => r,
            _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!(if many {
                "interrupted (Ctrl-C): nothing more was written; the snapshot holds what it held before, with the accounts whose collection had completed"
            } else {
                "interrupted (Ctrl-C): nothing was written; the snapshot holds what it held before"
            })),
        }
    })?;
    if results.len() == 1 {
        let (_, r) = results.into_iter().next().expect("one target");
        return report_done(&r?, t, quiet);
    }
    let n_targets = results.len();
    let mut failed = vec![];
    for (via, r) in results {
        if !quiet {
            eprintln!("== {via} ==");
        }
        match r {
            Ok(done) => {
                if report_done(&done, t, quiet)? != Outcome::Ok {
                    failed.push(format!(
                        "{via}: failed in part (see above); what completed is saved"
                    ));
                }
            }
            Err(e) => {
                eprintln!("error: {}", clean(&format!("{e:#}")));
                failed.push(format!("{via}: {}", clean(&format!("{e:#}"))));
            }
        }
    }
    if failed.is_empty() {
        return Ok(Outcome::Ok);
    }
    eprintln!(
        "error: {} of {} account(s) of the collection failed{}:",
        failed.len(),
        n_targets,
        if failed.len() == n_targets {
            ""
        } else if t.out.is_some() {
            "; the others completed and were saved"
        } else {
            "; the others completed"
        }
    );
    for f in &failed {
        eprintln!("  - {f}");
    }
    Ok(Outcome::Partial)
}

/// Prints one collection's summary, calls, notes and failures; its outcome.
fn report_done(done: &Done, t: &crate::cli::AwsTarget, quiet: bool) -> anyhow::Result<Outcome> {
    emit(&done.summary)?;
    if !quiet {
        let calls: Vec<String> = done
            .calls
            .iter()
            .map(|(k, v)| format!("{} {k}", group_thousands(v)))
            .collect();
        eprintln!(
            "API calls: {}; cost of these calls: {}",
            if calls.is_empty() {
                "none".to_string()
            } else {
                calls.join(", ")
            },
            micros_usd(done.cost_micros)
        );
        for n in &done.notes {
            eprintln!("{n}");
        }
        if let Some(dir) = &t.out {
            if done.any_ok {
                eprintln!("snapshot: {}", dir.display());
            }
        }
    }
    if done.failures.is_empty() {
        return Ok(Outcome::Ok);
    }
    eprintln!(
        "error: {} part(s) of the collection failed; the rest completed{}:",
        done.failures.len(),
        if t.out.is_some() && done.any_ok {
            " and was saved"
        } else {
            ""
        }
    );
    for f in &done.failures {
        eprintln!("  - {f}");
    }
    Ok(Outcome::Partial)
}

impl Ctx {
    /// A log group in a region, over the window collected.
    fn log_target<'a>(
        &self,
        client: &'a aws_sdk_cloudwatchlogs::Client,
        region: &'a str,
        group: &'a str,
    ) -> crate::collect::cloudwatch_logs::Target<'a> {
        crate::collect::cloudwatch_logs::Target {
            client,
            region,
            group,
            start: self.window.start,
            end: self.window.end,
        }
    }
}

/// A manifest entry's details: these fields set.
fn details<const N: usize>(
    fields: [(&'static str, serde_json::Value); N],
) -> impl FnOnce(&mut BTreeMap<String, serde_json::Value>) {
    move |d| d.extend(fields.map(|(k, v)| (k.to_string(), v)))
}

/// A spinner while `what` runs (a terminal, not --quiet).
fn progress(ctx: &Ctx, what: &str) -> Option<indicatif::ProgressBar> {
    crate::io::spinner(ctx.quiet, what)
}
