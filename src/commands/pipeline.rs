//! The passes the commands share: one read of the sources into reports (`report`, `demo`,
//! `collect logs`) or into a what-if (`whatif`, `demo`), with a progress bar on a terminal.

use chrono::{Days, NaiveTime};

use crate::error::UsageError;
use crate::output::report::{input_of, period_out, pricing_out, reports_of, unpriced_of, Report};
use crate::output::whatif::{self, WhatIf};
use crate::pricing::{Aggregator, CacheTtl, Resolver, UsageTable};
use crate::scenarios::evaluate::Settings;
use crate::scenarios::sink::WhatIfSink;
use crate::settings::whatif::Setup;
use crate::settings::Env;
use crate::usage::ingest::{self, Diagnostics, IngestOptions, IngestStats, Sink, Source};
use crate::usage::{GroupKey, Period};

/// The result of one pass over the input: one report per grouping.
pub struct ReportRun {
    pub reports: Vec<Report>,
    pub stats: IngestStats,
    pub diags: Diagnostics,
}

/// What one pass computes.
pub struct ReportPlan<'a> {
    pub groupings: &'a [Vec<GroupKey>],
    pub ttl: CacheTtl,
    pub period: Period,
    /// Also write every request as a row of the usage table.
    pub table: Option<&'a UsageTable>,
}

/// Reads all sources once and builds a report for each grouping.
pub fn run_report(
    env: &Env,
    sources: &[Source],
    plan: &ReportPlan,
    mut stats: IngestStats,
    mut diags: Diagnostics,
) -> ReportRun {
    let ReportPlan {
        groupings,
        ttl,
        period,
        table,
    } = *plan;
    let resolver = Resolver::new(&env.catalog, &env.map);
    let mut agg = read_all(
        env,
        sources,
        || Aggregator::new(&resolver, groupings, ttl, period, table),
        (&mut stats, &mut diags),
    );
    agg.flush_table();
    let reports = reports_of(
        &env.catalog,
        &env.overrides,
        &agg,
        groupings,
        ttl,
        &period,
        &stats,
    );
    ReportRun {
        reports,
        stats,
        diags,
    }
}

/// Reads every source once into sinks made by `make`, merged; a progress bar on a terminal.
fn read_all<S: Sink, F: Fn() -> S + Sync + Send>(
    env: &Env,
    sources: &[Source],
    make: F,
    (stats, diags): (&mut IngestStats, &mut Diagnostics),
) -> S {
    let opts = IngestOptions {
        progress: progress_bar(env, sources),
        ..Default::default()
    };
    let sink = ingest::ingest(sources, make, &opts, stats, diags);
    if let Some(bar) = &opts.progress {
        bar.finish_and_clear();
    }
    sink
}

/// A byte progress bar over the files to read (none for in-memory sources).
fn progress_bar(env: &Env, sources: &[Source]) -> Option<indicatif::ProgressBar> {
    if sources.iter().all(|s| matches!(s, Source::Memory { .. })) {
        return None;
    }
    crate::io::byte_bar(env.quiet, ingest::total_size(sources))
}

/// The result of one pass over the input and every scenario.
pub struct WhatifRun {
    pub result: WhatIf,
    pub stats: IngestStats,
    pub diags: Diagnostics,
}

/// Minutes the period covers: the bounds asked for, else whole days from the first to the last
/// record.
fn period_minutes(p: &Period, sink: &WhatIfSink) -> u64 {
    let start = p.start.or_else(|| {
        sink.agg
            .first_day()
            .map(|d| d.and_time(NaiveTime::MIN).and_utc())
    });
    let end = p.end.or_else(|| {
        sink.agg
            .last_day()
            .map(|d| (d + Days::new(1)).and_time(NaiveTime::MIN).and_utc())
    });
    match (start, end) {
        (Some(s), Some(e)) if e > s => (e - s).num_minutes().max(1) as u64,
        _ => 0,
    }
}

/// One pass over the sources, then every scenario.
pub fn run_whatif(
    env: &Env,
    sources: &[Source],
    s: &Setup,
    mut stats: IngestStats,
    mut diags: Diagnostics,
) -> anyhow::Result<WhatifRun> {
    let resolver = Resolver::new(&env.catalog, &env.map);
    let mut sink = read_all(
        env,
        sources,
        || WhatIfSink::new(&resolver, &s.plan),
        (&mut stats, &mut diags),
    );
    if s.provisioned_asked {
        let missing: Vec<String> = missing_tpm(env, s, &sink);
        if !missing.is_empty() {
            return Err(UsageError::new(
                format!(
                    "provisioned throughput needs the tokens per minute one model unit serves for {} (AWS does not publish it)",
                    missing.join(", ")
                ),
                format!(
                    "pass --tpm-per-unit MODEL=N for each, e.g. --tpm-per-unit {}=25000 (ask your AWS account team for the figure)",
                    missing[0]
                ),
            )
            .into());
        }
    }
    let settings = Settings {
        tpm_by_model: s.tpm_by_model.clone(),
        tpm_all: s.tpm_all,
        percentile: s.percentile,
        period_minutes: period_minutes(&s.plan.period, &sink),
    };
    let head = (
        period_out(&s.plan.period, &sink.agg),
        input_of(&stats, &sink.agg),
        pricing_out(&sink.agg, &env.catalog, s.plan.ttl, &env.overrides),
        unpriced_of(&sink.agg),
    );
    let result = whatif::build(&mut sink, &s.plan, &env.catalog, &settings, head);
    Ok(WhatifRun {
        result,
        stats,
        diags,
    })
}

/// Models with traffic and a provisioned price but no tokens-per-minute figure.
fn missing_tpm(env: &Env, s: &Setup, sink: &WhatIfSink) -> Vec<String> {
    let mut out: Vec<String> = sink
        .bins
        .iter()
        .filter(|((_, region), b)| {
            let m = env.catalog.model(b.model);
            let priced = m
                .price(region, crate::pricing::Scope::Regional)
                .is_some_and(|r| {
                    r.provisioned_1_month_hour
                        .or(r.provisioned_no_commit_hour)
                        .or(r.provisioned_6_month_hour)
                        .is_some()
                });
            priced
                && m.tpm_per_unit.is_none()
                && s.tpm_all.is_none()
                && !s.tpm_by_model.contains_key(&b.model)
        })
        .map(|(_, b)| env.catalog.model(b.model).key.clone())
        .collect();
    out.sort();
    out.dedup();
    out
}
