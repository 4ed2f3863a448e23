//! The passes the commands share: one read of the sources into reports (`report`, `demo`,
//! `collect logs`) or into a what-if (`whatif`, `demo`), with a progress bar on a terminal.

use crate::money::Pico;
use crate::output::report::{input_of, period_out, pricing_out, reports_of, unpriced_of, Report};
use crate::output::whatif::{self, WhatIf};
use crate::pricing::{Aggregator, CacheTtl, Resolver, UsageTable};
use crate::scenarios::evaluate::Settings;
use crate::scenarios::sink::WhatIfSink;
use crate::settings::whatif::{check_tpm, Setup};
use crate::settings::Env;
use crate::usage::dedup::{Dedup, Seen};
use crate::usage::ingest::{self, IngestOptions, IngestStats, Sink, Source};
use crate::usage::Diagnostics;
use crate::usage::{GroupKey, Period};

/// The result of one pass over the input: one report per grouping.
pub struct ReportRun {
    pub reports: Vec<Report>,
    pub stats: IngestStats,
    pub diags: Diagnostics,
    pub dropped: Dropped,
}

/// Requests read more than once (the same request id) and left out, and what those in the
/// period would have cost.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dropped {
    pub requests: u64,
    pub cost: Pico,
    pub unpriced: u64,
}

/// How a pass prices what it reads.
#[derive(Clone, Copy)]
struct Pricing<'r> {
    resolver: &'r Resolver<'r>,
    ttl: CacheTtl,
    period: Period,
    /// `--keep-duplicates`: count a request id as often as it is read.
    keep_duplicates: bool,
}

/// What one pass computes.
pub struct ReportPlan<'a> {
    pub groupings: &'a [Vec<GroupKey>],
    pub ttl: CacheTtl,
    pub period: Period,
    /// Also write every request as a row of the usage table.
    pub table: Option<&'a UsageTable>,
    /// `--keep-duplicates`: count a request id as often as it is read.
    pub keep_duplicates: bool,
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
        keep_duplicates,
    } = *plan;
    let resolver = Resolver::new(&env.catalog, &env.map);
    let pricing = Pricing {
        resolver: &resolver,
        ttl,
        period,
        keep_duplicates,
    };
    let (mut agg, dropped) = read_all(
        env,
        sources,
        || Aggregator::new(&resolver, groupings, ttl, period, table),
        pricing,
        (&mut stats, &mut diags),
    );
    agg.flush_table();
    let reports = reports_of(&env.catalog, &agg, groupings, ttl, &period, &stats);
    ReportRun {
        reports,
        stats,
        diags,
        dropped,
    }
}

/// Reads every source once into sinks made by `make`, merged, each request id once (unless
/// `--keep-duplicates`); a progress bar on a terminal.
fn read_all<S: Sink, F: Fn() -> S + Sync + Send>(
    env: &Env,
    sources: &[Source],
    make: F,
    p: Pricing,
    (stats, diags): (&mut IngestStats, &mut Diagnostics),
) -> (S, Dropped) {
    let opts = IngestOptions {
        progress: progress_bar(env, sources),
    };
    let out = if p.keep_duplicates {
        (
            ingest::ingest(sources, make, &opts, stats, diags),
            Dropped::default(),
        )
    } else {
        let seen = Seen::default();
        // The duplicates are priced on their own, to say what leaving them out changed.
        let dedup = || {
            let dropped = Aggregator::new(p.resolver, &[], p.ttl, p.period, None);
            Dedup::with_dropped(make(), dropped, &seen)
        };
        let d = ingest::ingest(sources, dedup, &opts, stats, diags);
        stats.duplicates = d.duplicates;
        let dropped = Dropped {
            requests: d.duplicates,
            cost: d.dropped.totals.cost(),
            unpriced: d.dropped.totals.unpriced_invocations,
        };
        (d.inner, dropped)
    };
    if let Some(bar) = &opts.progress {
        bar.finish_and_clear();
    }
    out
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
    pub dropped: Dropped,
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
    let pricing = Pricing {
        resolver: &resolver,
        ttl: s.plan.ttl,
        period: s.plan.period,
        keep_duplicates: s.keep_duplicates,
    };
    let (sink, dropped) = read_all(
        env,
        sources,
        || WhatIfSink::new(&resolver, &s.plan),
        pricing,
        (&mut stats, &mut diags),
    );
    finish_whatif(env, s, sink, stats, diags, dropped)
}

/// `whatif --source metrics`: a snapshot's metric buckets through the same what-if pass (never
/// long-context; provisioned sized from the tokens spread over each bucket's minutes).
pub fn run_whatif_metrics(
    env: &Env,
    dir: &std::path::Path,
    s: &Setup,
    mut stats: IngestStats,
    mut diags: Diagnostics,
) -> anyhow::Result<WhatifRun> {
    let resolver = Resolver::new(&env.catalog, &env.map);
    let mut sink = WhatIfSink::new(&resolver, &s.plan);
    let mut coarsest = 0u32;
    super::from_metrics::each_bucket(dir, &mut stats, &mut diags, None, |r, b| {
        coarsest = coarsest.max(b.period_secs);
        sink.bucket(r, b)
    })?;
    let mut run = finish_whatif(env, s, sink, stats, diags, Dropped::default())?;
    run.result.source = crate::output::report::DataSource::Metrics;
    run.result.limits = super::from_metrics::limits(&std::collections::BTreeMap::new(), s.plan.ttl);
    if coarsest > 60 {
        run.result.limits.push(format!(
            "provisioned throughput is sized from {}-minute metric buckets spread evenly over their minutes: a peak inside a bucket is not seen, so the units needed can be more; collect `--period 1m` metrics (kept 15 days by CloudWatch) for per-minute peaks",
            coarsest / 60
        ));
    }
    Ok(run)
}

/// The what-if result of a finished pass.
fn finish_whatif(
    env: &Env,
    s: &Setup,
    mut sink: WhatIfSink,
    stats: IngestStats,
    diags: Diagnostics,
    dropped: Dropped,
) -> anyhow::Result<WhatifRun> {
    let unsized_models = check_tpm(&env.catalog, s, &sink)?;
    if !unsized_models.is_empty() && !env.quiet {
        eprintln!(
            "warning: provisioned throughput sized only where the tokens per minute of a model unit are known; left at their on-demand cost: {}\n  hint: pass --tpm-per-unit MODEL=N for each (AWS does not publish it; ask your AWS account team)",
            unsized_models.join(", ")
        );
    }
    let settings = Settings {
        tpm_by_model: s.tpm_by_model.clone(),
        tpm_all: s.tpm_all,
        percentile: s.percentile,
        period_minutes: sink.period_minutes(&s.plan.period),
    };
    let head = (
        period_out(&s.plan.period, &sink.agg),
        input_of(&stats, &sink.agg),
        pricing_out(&sink.agg, &env.catalog, s.plan.ttl),
        unpriced_of(&sink.agg),
    );
    let result = whatif::build(&mut sink, &s.plan, &env.catalog, &settings, head);
    Ok(WhatifRun {
        result,
        stats,
        diags,
        dropped,
    })
}

/// A what-if per model of the `names` scenarios over `period`, with on-demand sizing defaults
/// (as `demo` and `review` run it).
pub fn model_whatif(
    env: &Env,
    names: &[String],
    eligibility: crate::scenarios::spec::Eligibility,
    period: Period,
) -> anyhow::Result<Setup> {
    let resolver = Resolver::new(&env.catalog, &env.map);
    let scenarios = crate::scenarios::spec::expand(
        names,
        &crate::scenarios::spec::Params::default(),
        &[],
        &resolver,
        CacheTtl::FiveMinutes,
    )
    .map_err(anyhow::Error::msg)?;
    Ok(Setup {
        plan: crate::scenarios::sink::Plan {
            keys: vec![GroupKey::Model],
            scenarios,
            eligibility,
            ttl: CacheTtl::FiveMinutes,
            period,
        },
        tpm_by_model: Default::default(),
        tpm_all: None,
        percentile: 100,
        provisioned_asked: false,
        keep_duplicates: false,
    })
}

/// What the `plan --from-logs` pass read: the derived workloads' groups and the counts.
pub struct DeriveRun<'r> {
    pub sink: crate::scenarios::plan::derive::DeriveSink<'r>,
    pub stats: IngestStats,
    pub diags: Diagnostics,
    pub dropped: Dropped,
}

/// Reads all sources once into the plan's derivation (report's own aggregation underneath).
pub fn run_derive<'r>(
    env: &Env,
    resolver: &'r Resolver<'r>,
    sources: &[Source],
    keys: &[GroupKey],
    plan: (CacheTtl, Period, bool),
    mut stats: IngestStats,
    mut diags: Diagnostics,
) -> DeriveRun<'r> {
    let (ttl, period, keep_duplicates) = plan;
    let pricing = Pricing {
        resolver,
        ttl,
        period,
        keep_duplicates,
    };
    let make = || {
        crate::scenarios::plan::derive::DeriveSink::new(
            Aggregator::new(resolver, &[], ttl, period, None),
            keys.to_vec(),
        )
    };
    let (sink, dropped) = read_all(env, sources, make, pricing, (&mut stats, &mut diags));
    DeriveRun {
        sink,
        stats,
        diags,
        dropped,
    }
}
