//! `collect logs`: invocation logs from CloudWatch Logs (FilterLogEvents) and S3, each request
//! once, into `invocations.parquet` (or `--server-side`: `insights`).
//!
//! Each part (a log group in a region, an S3 location) lands in its own table first; only the
//! parts that complete go into the snapshot and the summary, so a failure half-way through a
//! part leaves none of it behind.

use std::collections::{BTreeSet, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use super::{progress, Ctx, Done};
use crate::cli::CollectLogsArgs;
use crate::collect::aws;
use crate::collect::cloudwatch_logs::{self as logs, LogCalls};
use crate::collect::s3_logs::{self as s3, S3Calls};
use crate::commands::{warn_diagnostics, warn_unpriced};
use crate::money::group_thousands;
use crate::output::report::reports_of;
use crate::pricing::{Aggregator, CacheTtl, Resolver, UsageTable};
use crate::render;
use crate::settings::Env;
use crate::snapshot::{self, Regions, Saved};
use crate::usage::dedup::{Dedup, Seen};
use crate::usage::ingest::{self, IngestOptions, IngestStats, Source};
use crate::usage::Diagnostics;
use crate::usage::{GroupKey, Period, TableFormat};

/// No bound: every record passes.
const ALL: Period = Period {
    start: None,
    end: None,
};

/// How every record is read and priced in this collection.
struct Pass<'a> {
    resolver: Resolver<'a>,
    groupings: [Vec<GroupKey>; 1],
    ttl: CacheTtl,
    period: Period,
    opts: IngestOptions,
}

impl Pass<'_> {
    /// An aggregator keeping the records in `period`.
    fn aggregator<'t>(&'t self, table: Option<&'t UsageTable>, period: Period) -> Aggregator<'t> {
        Aggregator::new(&self.resolver, &self.groupings, self.ttl, period, table)
    }
}

/// The parts read, each a finished table in a working directory.
struct Fetched {
    /// The working directory of the parts (removed when dropped).
    dir: tempfile::TempDir,
    parts: Vec<PathBuf>,
    regions_read: Vec<String>,
    /// Log groups read in every region, and S3 locations read whole (every object): only
    /// these are recorded as collected.
    groups_done: Vec<String>,
    s3_done: Vec<String>,
    /// Every part completed: only then is the window recorded as collected.
    complete: bool,
    stats: IngestStats,
    diags: Diagnostics,
    outside_period: u64,
    log_calls: LogCalls,
    s3_calls: S3Calls,
}

/// Parts being read: each page or object goes through the same validation as `report`.
struct Reader<'p, 'r> {
    pass: &'p Pass<'r>,
    f: Fetched,
    n_part: usize,
    bar: Option<indicatif::ProgressBar>,
}

impl Reader<'_, '_> {
    /// A new part's table.
    fn part(&mut self) -> anyhow::Result<(PathBuf, UsageTable)> {
        self.n_part += 1;
        let path = self
            .f
            .dir
            .path()
            .join(format!("part-{}.parquet", self.n_part));
        let table = UsageTable::create(&path, TableFormat::Parquet)?;
        Ok((path, table))
    }

    /// Reads one page or object into the part's table.
    /// `period`: the window by the records' own timestamps (S3 objects), or none where the
    /// source already chose the records by its own clock (CloudWatch Logs' event time).
    fn feed(&mut self, table: &UsageTable, name: String, data: Vec<u8>, period: Period) {
        let src = Source::Memory {
            name,
            data: Arc::new(data),
        };
        let mut agg = ingest::ingest(
            std::slice::from_ref(&src),
            || self.pass.aggregator(Some(table), period),
            &self.pass.opts,
            &mut self.f.stats,
            &mut self.f.diags,
        );
        agg.flush_table();
        self.f.outside_period += agg.outside_period;
        if let Some(b) = &self.bar {
            b.set_message(format!(
                "collecting invocation logs: {} records",
                group_thousands(self.f.stats.records)
            ));
        }
    }

    /// A part that completed: kept.
    fn completed(&mut self, path: PathBuf, table: UsageTable, region: &str) -> anyhow::Result<()> {
        table.finish()?;
        self.f.parts.push(path);
        if !self.f.regions_read.iter().any(|r| r == region) {
            self.f.regions_read.push(region.to_string());
        }
        Ok(())
    }
}

/// The completed parts merged, each request once.
struct Merged {
    duplicates: u64,
    accounts: BTreeSet<String>,
    seen: Seen,
}

pub async fn run(
    env: &Env,
    ctx: &Ctx,
    a: &CollectLogsArgs,
    s3_locations: &[(String, String)],
) -> anyhow::Result<Done> {
    if a.server_side {
        return super::insights::run(ctx, a).await;
    }
    let mut done = Done::new(ctx);
    let pass = Pass {
        resolver: Resolver::new(&env.catalog, &env.map),
        groupings: [vec![GroupKey::Model]],
        ttl: a.cache_write_ttl,
        period: Period {
            start: Some(ctx.window.start),
            end: Some(ctx.window.end),
        },
        opts: IngestOptions::default(),
    };
    let f = fetch(ctx, a, s3_locations, &pass, &mut done).await?;
    done.count("FilterLogEvents", f.log_calls.filter_log_events);
    done.count("ListObjectsV2", f.s3_calls.list_objects);
    done.count("GetObject", f.s3_calls.get_object);
    done.cost_micros = f.s3_calls.cost_micros();
    done.any_ok = !f.parts.is_empty();
    warn_diagnostics(&f.stats, &f.diags, env.quiet);
    // From the new table to the manifest: one collection writes at a time.
    let _writing = ctx.write.lock().await;
    let table = match (&ctx.out, done.any_ok) {
        (Some(dir), true) => Some(UsageTable::create(
            &dir.join(snapshot::INVOCATIONS),
            TableFormat::Parquet,
        )?),
        _ => None,
    };
    let m = merge(env, &pass, &f, table.as_ref(), &mut done)?;
    done.notes
        .push(read_note(a, s3_locations, &f, m.duplicates));
    let (Some(dir), Some(table)) = (&ctx.out, table) else {
        return Ok(done);
    };
    let kept = keep_earlier(dir, &pass, &table, &m.seen)?;
    let saved = Saved {
        name: "invocations",
        file: snapshot::INVOCATIONS,
        rows: table.finish()?,
        // A window some part of which failed is not collected: a re-run fills it.
        window: f.complete.then(|| ctx.window.clone()),
        regions: Regions::Add(f.regions_read.clone()),
        accounts: m.accounts.iter().cloned().collect(),
    };
    done.save(dir, saved, |d| {
        // Every log group and location collected into this file so far.
        snapshot::add_to_list(d, "log_groups", &f.groups_done);
        snapshot::add_to_list(d, "s3", &f.s3_done);
        d.insert("duplicates_dropped".into(), serde_json::json!(m.duplicates));
        d.insert(
            "skipped_lines".into(),
            serde_json::json!(f.stats.skipped_lines),
        );
        d.insert(
            "kept_from_earlier_collections".into(),
            serde_json::json!(kept),
        );
    })?;
    Ok(done)
}

/// Reads every log group (per region) and S3 location into its own part table.
async fn fetch(
    ctx: &Ctx,
    a: &CollectLogsArgs,
    s3_locations: &[(String, String)],
    pass: &Pass<'_>,
    done: &mut Done,
) -> anyhow::Result<Fetched> {
    let dir = match &ctx.out {
        Some(dir) => tempfile::Builder::new()
            .prefix(".bedrock-lens-parts-")
            .tempdir_in(dir),
        None => tempfile::Builder::new()
            .prefix("bedrock-lens-parts-")
            .tempdir(),
    }
    .context("creating a working directory for the collection")?;
    let mut r = Reader {
        pass,
        f: Fetched {
            dir,
            parts: vec![],
            regions_read: vec![],
            groups_done: vec![],
            s3_done: vec![],
            complete: true,
            stats: IngestStats::default(),
            diags: Diagnostics::default(),
            outside_period: 0,
            log_calls: LogCalls::default(),
            s3_calls: S3Calls::default(),
        },
        n_part: 0,
        bar: progress(ctx, "collecting invocation logs"),
    };
    let mut log_calls = LogCalls::default();
    let mut s3_calls = S3Calls::default();
    let failures_before = done.failures.len();
    let mut failed_groups: HashSet<&str> = HashSet::new();
    for region in ctx.regions.iter().filter(|_| !a.log_group.is_empty()) {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_cloudwatchlogs::Client::new(&conf);
        for group in &a.log_group {
            let target = ctx.log_target(&client, region, group);
            let (path, table) = r.part()?;
            let result = logs::filter(&target, &mut log_calls, |bytes, page| {
                // FilterLogEvents chose these by event time: one clock decides the window, so
                // a record at an edge falls in exactly one of two adjacent collections.
                r.feed(&table, format!("{region}:{group} page {page}"), bytes, ALL)
            })
            .await;
            match result {
                Ok(()) => r.completed(path, table, region)?,
                Err(f) => {
                    failed_groups.insert(group.as_str());
                    done.failures
                        .push(f.with_policy_args(&format!("--log-group {group}")))
                }
            }
        }
    }
    r.f.groups_done = a
        .log_group
        .iter()
        .filter(|g| !failed_groups.contains(g.as_str()))
        .cloned()
        .collect();
    if !s3_locations.is_empty() {
        let region = ctx.regions[0].clone();
        let conf = aws::for_region(&ctx.base, &region);
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(conf.endpoint_url().is_some())
                .build(),
        );
        for ((bucket, prefix), url) in s3_locations.iter().zip(&a.s3) {
            let (path, table) = r.part()?;
            let mut failures = vec![];
            let (start, end) = (ctx.window.start, ctx.window.end);
            let result = s3::fetch(
                &client,
                bucket,
                prefix,
                start,
                end,
                &mut s3_calls,
                &mut failures,
                |name, bytes| r.feed(&table, name, bytes, pass.period),
            )
            .await;
            // Objects are whole: those read are kept, those that failed are listed (a re-run
            // of the window replaces the location's rows).
            let whole = failures.is_empty();
            done.failures.extend(failures);
            match result {
                Ok(()) => {
                    r.completed(path, table, &region)?;
                    if whole {
                        r.f.s3_done.push(url.clone());
                    }
                }
                Err(f) => done
                    .failures
                    .push(f.with_policy_args(&format!("--s3 s3://{bucket}/{prefix}"))),
            }
        }
    }
    if let Some(b) = r.bar {
        b.finish_and_clear();
    }
    r.f.log_calls = log_calls;
    r.f.s3_calls = s3_calls;
    r.f.complete = done.failures.len() == failures_before;
    Ok(r.f)
}

/// The completed parts, each request once, into the snapshot's table (if any) and the summary.
fn merge(
    env: &Env,
    pass: &Pass<'_>,
    f: &Fetched,
    table: Option<&UsageTable>,
    done: &mut Done,
) -> anyhow::Result<Merged> {
    let seen = Seen::default();
    let sources: Vec<Source> = f.parts.iter().cloned().map(Source::Table).collect();
    let mut kept_stats = IngestStats::default();
    let mut merged = ingest::ingest(
        &sources,
        // The parts hold only records of the window already.
        || Dedup::new(pass.aggregator(table, ALL), &seen),
        &pass.opts,
        &mut kept_stats,
        &mut Diagnostics::default(),
    );
    merged.inner.flush_table();
    let duplicates = merged.duplicates;
    let accounts = std::mem::take(&mut merged.accounts);
    let mut input_stats = f.stats.clone();
    input_stats.records = kept_stats.records - duplicates;
    input_stats.error_records = kept_stats.error_records;
    input_stats.duplicates = duplicates;
    let mut reports = reports_of(
        &env.catalog,
        &merged.inner,
        &pass.groupings,
        pass.ttl,
        &pass.period,
        &input_stats,
    );
    drop(merged);
    let mut rep = reports.remove(0);
    rep.input.outside_period = f.outside_period;
    done.summary = render::report::render(&rep, render::Format::Table)?;
    warn_unpriced(&rep, env.quiet);
    Ok(Merged {
        duplicates,
        accounts,
        seen,
    })
}

/// What was read, for stderr.
fn read_note(
    a: &CollectLogsArgs,
    s3_locations: &[(String, String)],
    f: &Fetched,
    duplicates: u64,
) -> String {
    let mut read = vec![];
    if !a.log_group.is_empty() {
        read.push(format!(
            "{} event(s) in {} FilterLogEvents page(s) ({} empty)",
            group_thousands(f.log_calls.events),
            group_thousands(f.log_calls.filter_log_events),
            group_thousands(f.log_calls.empty_pages)
        ));
    }
    if !s3_locations.is_empty() {
        read.push(format!(
            "{} S3 object(s) ({:.1} MB as stored; {} skipped by name or hour folder)",
            group_thousands(f.s3_calls.get_object),
            f.s3_calls.bytes as f64 / 1e6,
            group_thousands(f.s3_calls.skipped_objects)
        ));
    }
    format!(
        "read {} record(s) from {}; {} duplicate(s) dropped; {} outside the period",
        group_thousands(f.stats.records),
        read.join(" and "),
        group_thousands(duplicates),
        group_thousands(f.outside_period),
    )
}

/// The snapshot's earlier rows, priced again into `table`, except those collected again here
/// (`snapshot::invocations::kept`) and those that break a border rule (said). Returns the rows
/// kept.
fn keep_earlier(
    dir: &std::path::Path,
    pass: &Pass<'_>,
    table: &UsageTable,
    seen: &Seen,
) -> anyhow::Result<u64> {
    let mut keep = pass.aggregator(Some(table), ALL);
    let (mut st, mut dg) = (IngestStats::default(), Diagnostics::default());
    let kept = snapshot::invocations::kept(dir, seen, &mut st, &mut dg, |r| {
        keep.add(r);
    })?;
    keep.flush_table();
    super::warn_dropped(&dir.join(snapshot::INVOCATIONS), &dg);
    Ok(kept)
}
