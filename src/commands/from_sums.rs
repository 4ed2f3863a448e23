//! `report --snapshot` over the Athena aggregation's sums (`log-sums.parquet`): each group priced
//! as its requests one by one would be, and the scan's diagnostic rows counted as `report
//! --logs` counts the records it skips, drops as duplicates or finds outside the period, so the
//! two documents are the same for the same logs.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use super::pipeline::{Dropped, ReportRun};
use crate::collect::athena_sql::{
    by_name, by_words, DUPLICATE, FIXED_KEYS, IMPLAUSIBLE, OUTSIDE_PERIOD,
};
use crate::error::UsageError;
use crate::output::report::reports_of;
use crate::pricing::aggregate::Group;
use crate::pricing::{Aggregator, CacheTtl, Resolver};
use crate::settings::Env;
use crate::snapshot::log_sums::{count_index, hour_of, SumRow, Sums};
use crate::usage::json_values::{Scalar, Str};
use crate::usage::{Diagnostics, GroupKey, IngestStats, Period, Tokens, UsageRecord};

/// The key column a grouping key needs, beyond those every row has; `None` when every row has it.
fn column_of(k: &GroupKey) -> Option<String> {
    match k {
        GroupKey::Identity | GroupKey::IdentityArn => Some("identity_arn".into()),
        GroupKey::Operation => Some("operation".into()),
        GroupKey::Meta(m) => Some(crate::collect::athena_sql::meta_column(m)),
        _ => None,
    }
}

/// Refuses a grouping the sums were not collected with, naming the key and how to get it.
pub fn check_keys(sums: &Sums, groupings: &[Vec<GroupKey>]) -> anyhow::Result<()> {
    for k in groupings.iter().flatten() {
        if let Some(col) = column_of(k) {
            if sums.key(&col).is_none() {
                let had: Vec<String> = sums.keys[FIXED_KEYS.len()..]
                    .iter()
                    .map(|c| by_name(c))
                    .collect();
                return Err(UsageError::new(
                    format!(
                        "--by {}: the snapshot's Athena sums were not grouped by it (collected with {})",
                        k.name(),
                        by_words(&sums.keys)
                    ),
                    format!(
                        "group by model, model_id, profile, region, account, hour, day, month{}; or collect again with `collect logs --athena ... --by {}`",
                        had.iter().map(|h| format!(", {h}")).collect::<String>(),
                        by_name(&col)
                    ),
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Sums are per hour: a period must start and end on whole hours, within what was collected.
fn check_period(period: &Period, windows: &[crate::snapshot::Window]) -> anyhow::Result<()> {
    for (flag, t) in [("--start", period.start), ("--end", period.end)] {
        if let Some(t) = t {
            if t.timestamp() % 3600 != 0 {
                return Err(UsageError::new(
                    format!(
                        "{flag} {}: the snapshot's Athena sums are per hour",
                        t.format("%Y-%m-%dT%H:%M:%SZ")
                    ),
                    "give a whole hour, a day or a month",
                )
                .into());
            }
        }
    }
    let (Some(s), Some(e)) = (period.start, period.end) else {
        return Ok(());
    };
    let inside = windows.iter().any(|w| w.start <= s && e <= w.end);
    if !windows.is_empty() && !inside {
        let list: Vec<String> = windows
            .iter()
            .map(|w| {
                format!(
                    "{} to {}",
                    w.start.format("%Y-%m-%dT%H:%MZ"),
                    w.end.format("%Y-%m-%dT%H:%MZ")
                )
            })
            .collect();
        return Err(UsageError::new(
            format!(
                "the period {} to {} goes beyond what the snapshot's Athena sums cover ({})",
                s.format("%Y-%m-%dT%H:%MZ"),
                e.format("%Y-%m-%dT%H:%MZ"),
                list.join(", ")
            ),
            "report a period inside it, or collect the rest with `collect logs --athena`",
        )
        .into());
    }
    Ok(())
}

/// One group's key fields, owned, for a record borrowing them.
struct Fields {
    hour: DateTime<Utc>,
    account: String,
    region: String,
    model_id: String,
    identity_arn: String,
    operation: String,
    meta: BTreeMap<Str<'static>, Scalar<'static>>,
}

fn fields(s: &Sums, r: &SumRow, hour: DateTime<Utc>, metas: &[(String, usize)]) -> Fields {
    let v = |name: &str| {
        s.key(name)
            .and_then(|i| s.value(r, i))
            .unwrap_or("")
            .to_string()
    };
    let meta = metas
        .iter()
        .filter_map(|(m, i)| {
            let val = s.value(r, *i)?;
            Some((
                Str(Cow::Owned(m.clone())),
                Scalar(Cow::Owned(val.to_string())),
            ))
        })
        .collect();
    Fields {
        hour,
        account: v("account"),
        region: v("region"),
        model_id: v("model_id"),
        identity_arn: v("identity_arn"),
        operation: v("operation"),
        meta,
    }
}

/// A group as one record of its key fields and token sums.
fn record<'a>(f: &'a Fields, r: &SumRow) -> UsageRecord<'a> {
    let c = |name: &str| r.counts[count_index(name)];
    UsageRecord {
        timestamp: f.hour,
        account: &f.account,
        region: &f.region,
        inference_region: None,
        model_id: &f.model_id,
        identity_arn: &f.identity_arn,
        operation: &f.operation,
        request_id: "",
        request_metadata: (!f.meta.is_empty()).then_some(&f.meta),
        tokens: Tokens {
            input: c("input_tokens"),
            output: c("output_tokens"),
            cache_read: c("cache_read_tokens"),
            cache_write: c("cache_write_tokens"),
        },
        error_code: None,
        guardrail_blocked: false,
        body: None,
    }
}

/// Where the sums are and what the collections recorded.
pub struct Read<'a> {
    pub dir: &'a Path,
    /// The windows collected.
    pub windows: &'a [crate::snapshot::Window],
    /// The long-context thresholds the query bucketed by (None: not recorded).
    pub cuts: Option<Vec<u64>>,
}

/// The report(s) priced from `dir`'s log sums.
pub fn run(
    env: &Env,
    read: &Read,
    groupings: &[Vec<GroupKey>],
    ttl: CacheTtl,
    period: Period,
) -> anyhow::Result<ReportRun> {
    let path = read.dir.join(crate::snapshot::LOG_SUMS);
    let (sums, row_windows) = crate::snapshot::log_sums::read_with_windows(&path)?;
    check_keys(&sums, groupings)?;
    check_period(&period, read.windows)?;
    let now = env.catalog.long_context_thresholds();
    if read.cuts.as_ref().is_some_and(|c| *c != now) {
        return Err(UsageError::new(
            format!(
                "the snapshot's Athena sums were bucketed by the long-context thresholds {:?} (input tokens); these prices have {:?}: a request's rate cannot be told from them",
                read.cuts.clone().unwrap_or_default(),
                now
            ),
            "collect again with these prices (the same --pricing), or report with the prices the collection used",
        )
        .into());
    }
    let objects =
        crate::snapshot::log_sums::read_objects(&read.dir.join(crate::snapshot::LOG_SUMS_OBJECTS))?;
    let in_window = |h: DateTime<Utc>| read.windows.iter().any(|w| h >= w.start && h < w.end);
    let resolver = Resolver::new(&env.catalog, &env.map);
    let mut agg = Aggregator::new(&resolver, groupings, ttl, period, None);
    let mut dup = Aggregator::new(&resolver, &[], ttl, period, None);
    let mut stats = IngestStats {
        files: objects.len() as u64,
        bytes: objects.iter().map(|(_, b)| b).sum(),
        ..Default::default()
    };
    let mut diags = Diagnostics::default();
    let mut reasons: BTreeMap<&str, u64> = BTreeMap::new();
    let (problem, over) = (
        sums.key("problem").expect("a fixed key"),
        sums.key("long_context_over").expect("a fixed key"),
    );
    // The metadata keys asked for, each with its column (`meta_KEY`, `-` and `.` as `_`).
    let metas: Vec<(String, usize)> = groupings
        .iter()
        .flatten()
        .filter_map(|k| match k {
            GroupKey::Meta(m) => Some((m.clone(), sums.key(&column_of(k)?)?)),
            _ => None,
        })
        .collect();
    let mut outside = 0u64;
    for (r, own) in sums.rows.iter().zip(&row_windows) {
        let n = r.counts[count_index("invocations")];
        let errors = r.counts[count_index("errors")];
        let why = sums.value(r, problem).unwrap_or("");
        // A record outside one collection's window but inside another's was summed by that
        // other collection: it is counted there.
        if why == OUTSIDE_PERIOD && hour_of(&sums, r).is_some_and(in_window) {
            continue;
        }
        // So is a copy of such a record read by a neighbouring collection (its slack hours).
        let own = crate::snapshot::log_sums::window_of(own);
        let elsewhere = |h: DateTime<Utc>| {
            own.as_ref().is_some_and(|w| h < w.start || h >= w.end) && in_window(h)
        };
        if why == DUPLICATE && hour_of(&sums, r).is_some_and(elsewhere) {
            continue;
        }
        let valid = why.is_empty() || why == DUPLICATE || why == OUTSIDE_PERIOD;
        if !valid {
            stats.skipped_lines += n;
            if why == IMPLAUSIBLE {
                stats.implausible += n;
            }
            *reasons.entry(why).or_default() += n;
            continue;
        }
        stats.records += n;
        stats.error_records += errors;
        if why == OUTSIDE_PERIOD {
            outside += n;
            continue;
        }
        let Some(hour) = hour_of(&sums, r) else {
            anyhow::bail!(
                "{}: a priced row without an hour (the file was changed after `collect` wrote it)",
                path.display()
            );
        };
        let f = fields(&sums, r, hour, &metas);
        let rec = record(&f, r);
        let g = Group {
            invocations: n,
            errors,
            guardrail_blocked: r.counts[count_index("guardrail_blocked")],
            long_context_over: sums
                .value(r, over)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        };
        if why == DUPLICATE {
            stats.duplicates += n;
            dup.add_group(&rec, g);
        } else {
            agg.add_group(&rec, g);
        }
    }
    agg.outside_period += outside;
    for (why, n) in reasons {
        diags.push(
            format!("{} (Athena scan)", path.display()),
            format!("{n} record(s): {why}"),
        );
    }
    let reports = reports_of(&env.catalog, &agg, groupings, ttl, &period, &stats);
    let dropped = Dropped {
        requests: stats.duplicates,
        cost: dup.totals.cost(),
        unpriced: dup.totals.unpriced_invocations,
    };
    Ok(ReportRun {
        reports,
        stats,
        diags,
        dropped,
    })
}
