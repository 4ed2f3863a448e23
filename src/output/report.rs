//! The canonical result of `report` (`bedrock-lens/report/v1`): built once from the aggregator,
//! rendered to every format from this struct so table, JSON, CSV and Markdown always agree.
//!
//! Rounding: costs are exact (pico-dollars) until rendered. Each cost component is then rounded
//! to micro-dollars across the rows with the largest-remainder method, so a component's rows add
//! up to its exact total rounded, whatever the grouping; a row's cost is the sum of its
//! components and the totals are the sums of the rows, so every printed total adds up.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::money::{ExactUsd, Pico, Usd6};
use crate::pricing::aggregate::{Agg, Aggregator};
use crate::pricing::{CacheTtl, Catalog};
use crate::usage::ingest::IngestStats;
use crate::usage::{GroupKey, Period};

pub const SCHEMA: &str = "bedrock-lens/report/v1";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Breakdown {
    pub input: Usd6,
    pub output: Usd6,
    pub cache_read: Usd6,
    pub cache_write: Usd6,
}

impl Breakdown {
    pub fn total(&self) -> Usd6 {
        self.input + self.output + self.cache_read + self.cache_write
    }

    fn add(&mut self, o: &Breakdown) {
        self.input += o.input;
        self.output += o.output;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
    }
}

/// Token and call counts shared by rows, totals and unpriced entries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub invocations: u64,
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
}

impl Counts {
    /// Tokens of every kind.
    pub fn tokens(&self) -> u64 {
        self.input_tokens + self.output_tokens + self.cache_read_tokens + self.cache_write_tokens
    }

    /// No call and no token: nothing to show (metric buckets can hold tokens without calls).
    pub fn is_empty(&self) -> bool {
        self.invocations == 0 && self.tokens() == 0
    }

    /// Calls, errors, input, output, cache read, cache write: the column order of every format.
    pub fn array(&self) -> [u64; 6] {
        [
            self.invocations,
            self.errors,
            self.input_tokens,
            self.output_tokens,
            self.cache_read_tokens,
            self.cache_write_tokens,
        ]
    }

    pub fn of(a: &Agg) -> Counts {
        Counts {
            invocations: a.invocations,
            errors: a.errors,
            input_tokens: a.tokens.input,
            output_tokens: a.tokens.output,
            cache_read_tokens: a.tokens.cache_read,
            cache_write_tokens: a.tokens.cache_write,
        }
    }

    pub fn add(&mut self, o: &Counts) {
        self.invocations += o.invocations;
        self.errors += o.errors;
        self.input_tokens += o.input_tokens;
        self.output_tokens += o.output_tokens;
        self.cache_read_tokens += o.cache_read_tokens;
        self.cache_write_tokens += o.cache_write_tokens;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// (key name, value) in `--by` order; `None` where the records have no value.
    pub keys: Vec<(String, Option<String>)>,
    pub counts: Counts,
    /// Invocations in this row that could not be priced (their tokens are in `counts`).
    pub unpriced_invocations: u64,
    pub long_context_invocations: u64,
    /// Invocations logged without any token count: blocked before the model ran.
    pub guardrail_blocked: u64,
    /// `None` when nothing in the row could be priced.
    pub cost: Option<Breakdown>,
    /// The row's exact cost (input, output, cache read, cache write), before `cost` rounds it
    /// to micro-dollars across the rows: for sums across groupings (reconcile), never shown.
    pub exact: [Pico; 4],
}

impl Row {
    pub fn cost_usd(&self) -> Option<Usd6> {
        self.cost.map(|b| b.total())
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in &self.keys {
            m.serialize_entry(k, v)?;
        }
        let c = &self.counts;
        m.serialize_entry("invocations", &c.invocations)?;
        m.serialize_entry("errors", &c.errors)?;
        m.serialize_entry("input_tokens", &c.input_tokens)?;
        m.serialize_entry("output_tokens", &c.output_tokens)?;
        m.serialize_entry("cache_read_tokens", &c.cache_read_tokens)?;
        m.serialize_entry("cache_write_tokens", &c.cache_write_tokens)?;
        m.serialize_entry("cost_usd", &self.cost_usd())?;
        m.serialize_entry("cost_breakdown", &self.cost)?;
        m.serialize_entry("unpriced_invocations", &self.unpriced_invocations)?;
        m.serialize_entry("long_context_invocations", &self.long_context_invocations)?;
        m.serialize_entry("guardrail_blocked", &self.guardrail_blocked)?;
        m.end()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    #[serde(flatten)]
    pub counts: Counts,
    /// Over the priced rows only; `None` when no row could be priced (or none was in scope):
    /// never a $0 that reads as a result.
    pub cost_usd: Option<Usd6>,
    pub cost_breakdown: Option<Breakdown>,
    pub unpriced_invocations: u64,
    pub long_context_invocations: u64,
    pub guardrail_blocked: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnpricedEntry {
    pub model_id: String,
    /// Why, with how many invocations each reason applied to.
    pub reasons: Vec<String>,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodOut {
    pub start: Option<String>,
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputOut {
    pub files: u64,
    pub records: u64,
    pub skipped_lines: u64,
    pub error_records: u64,
    pub outside_period: u64,
    pub file_errors: u64,
    pub bytes: u64,
    /// Requests read again (the same request id) and counted once.
    pub duplicates_dropped: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PricingOut {
    /// The catalog's as-of date (the AWS Price List publication it was built from).
    pub catalog_as_of: Option<String>,
    pub cache_write_ttl: CacheTtl,
    /// Price files given with --pricing, in the order they apply.
    pub overrides: Vec<OverrideOut>,
    /// Dated price versions used (a model whose price changed), with the invocations each priced.
    pub price_versions: Vec<PriceVersionOut>,
    /// Set when the data runs past the catalog's as-of date plus [`STALE_AFTER_DAYS`].
    pub stale_prices: Option<String>,
}

/// How many days after the catalog's as-of date its prices are called possibly out of date.
pub const STALE_AFTER_DAYS: i64 = 45;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceVersionOut {
    pub model: String,
    pub scope: crate::pricing::Scope,
    pub valid_from: Option<String>,
    pub valid_until: Option<String>,
    pub invocations: u64,
}

impl PriceVersionOut {
    /// `anthropic.x (global) rates from 2026-09-01: 80 invocation(s)`
    pub fn text(&self) -> String {
        let when = match (&self.valid_from, &self.valid_until) {
            (Some(f), Some(u)) => format!("from {f} until {u}"),
            (Some(f), None) => format!("from {f}"),
            (None, Some(u)) => format!("until {u}"),
            (None, None) => "undated".into(),
        };
        format!(
            "{} ({}) rates {when}: {} invocation(s)",
            self.model,
            self.scope.as_str(),
            crate::money::group_thousands(self.invocations)
        )
    }
}

/// The warning for data newer than the catalog's as-of date plus [`STALE_AFTER_DAYS`].
pub fn stale_prices(as_of: Option<NaiveDate>, data_end: Option<NaiveDate>) -> Option<String> {
    let (as_of, end) = (as_of?, data_end?);
    (end > as_of + chrono::Duration::days(STALE_AFTER_DAYS)).then(|| {
        format!(
            "the data runs to {end}, more than {STALE_AFTER_DAYS} days after the catalog's prices were read ({as_of}): prices may have changed since; run `bedrock-lens pricing sync` or pass newer prices with --pricing"
        )
    })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverrideOut {
    pub file: String,
    /// The oldest `as_of` of the file's models.
    pub as_of: String,
}

/// The data a report prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum, Default)]
#[serde(rename_all = "snake_case")]
pub enum DataSource {
    /// A snapshot's invocation logs when it has them, else its CloudWatch metrics.
    #[default]
    Auto,
    /// Model-invocation logs: per request, every grouping key.
    Logs,
    /// CloudWatch `AWS/Bedrock` token metrics: per model id and period, for accounts without
    /// invocation logging.
    Metrics,
    /// The bill (Cost Explorer): amounts as billed, by usage type.
    Bill,
}

impl DataSource {
    pub fn name(self) -> &'static str {
        match self {
            DataSource::Auto => "auto",
            DataSource::Logs => "logs",
            DataSource::Metrics => "metrics",
            DataSource::Bill => "bill",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    /// What was priced: `logs` or `metrics`.
    pub source: DataSource,
    /// What the source cannot tell, said with the figures (empty for logs).
    pub limits: Vec<String>,
    /// Metrics only: per model with long-context rates, the most its standard-rate cost can be
    /// short by (its buckets whose prompt tokens are over the threshold, at long-context rates).
    /// Left out when nothing could have been a long-context request.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub long_context_bound_usd: BTreeMap<String, ExactUsd>,
    pub period: PeriodOut,
    pub group_by: Vec<String>,
    pub rows: Vec<Row>,
    pub totals: Totals,
    pub unpriced: Vec<UnpricedEntry>,
    pub input: InputOut,
    pub pricing: PricingOut,
}

/// Rows of one grouping, sorted: by key for time groupings, else by cost (unpriced last).
pub fn rows_of(agg: &Aggregator, grouping: usize) -> Vec<Row> {
    let g = &agg.groupings[grouping];
    let names: Vec<String> = g.keys.iter().map(GroupKey::name).collect();
    let mut rows: Vec<(Row, &Agg)> = g
        .rows
        .values()
        .map(|(values, a)| {
            let row = Row {
                keys: names.iter().cloned().zip(values.iter().cloned()).collect(),
                counts: Counts::of(a),
                unpriced_invocations: a.unpriced_invocations,
                long_context_invocations: a.long_context_invocations,
                guardrail_blocked: a.guardrail_blocked,
                cost: None,
                exact: [
                    a.cost_input,
                    a.cost_output,
                    a.cost_cache_read,
                    a.cost_cache_write,
                ],
            };
            (row, a)
        })
        .collect();
    let key_of = |r: &Row| r.keys.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let exact = |a: &Agg| (a.cost_input + a.cost_output + a.cost_cache_read + a.cost_cache_write).0;
    if g.keys.iter().any(GroupKey::is_time) {
        rows.sort_by_key(|(r, _)| key_of(r));
    } else {
        rows.sort_by(|(ra, a), (rb, b)| {
            let priced = |x: &Agg| x.priced > 0;
            priced(b)
                .cmp(&priced(a))
                .then(exact(b).cmp(&exact(a)))
                .then(rb.counts.invocations.cmp(&ra.counts.invocations))
                .then_with(|| key_of(ra).cmp(&key_of(rb)))
        });
    }
    let aggs: Vec<&Agg> = rows.iter().map(|(_, a)| *a).collect();
    let costs = breakdowns(&aggs);
    rows.into_iter()
        .zip(costs)
        .map(|((mut row, a), b)| {
            row.cost = (a.priced > 0).then_some(b);
            row
        })
        .collect()
}

/// Each cost component rounded to micro-dollars across the rows (largest remainder), so every
/// component's rows add up to its exact total rounded.
pub fn breakdowns(aggs: &[&Agg]) -> Vec<Breakdown> {
    let column = |f: fn(&Agg) -> i128| -> Vec<Usd6> {
        let exact: Vec<i128> = aggs.iter().map(|a| f(a)).collect();
        crate::money::apportion(&exact, 1_000_000, crate::money::Ties::ExactSum)
            .into_iter()
            .map(Usd6)
            .collect()
    };
    let input = column(|a| a.cost_input.0);
    let output = column(|a| a.cost_output.0);
    let cache_read = column(|a| a.cost_cache_read.0);
    let cache_write = column(|a| a.cost_cache_write.0);
    (0..aggs.len())
        .map(|i| Breakdown {
            input: input[i],
            output: output[i],
            cache_read: cache_read[i],
            cache_write: cache_write[i],
        })
        .collect()
}

pub fn totals_of(rows: &[Row]) -> Totals {
    let mut t = Totals::default();
    for r in rows {
        t.counts.add(&r.counts);
        t.unpriced_invocations += r.unpriced_invocations;
        t.long_context_invocations += r.long_context_invocations;
        t.guardrail_blocked += r.guardrail_blocked;
        if let Some(b) = &r.cost {
            t.cost_breakdown
                .get_or_insert_with(Breakdown::default)
                .add(b);
        }
    }
    t.cost_usd = t.cost_breakdown.as_ref().map(Breakdown::total);
    t
}

pub fn unpriced_of(agg: &Aggregator) -> Vec<UnpricedEntry> {
    agg.unpriced
        .iter()
        .map(|(id, u)| UnpricedEntry {
            model_id: id.clone(),
            reasons: u
                .reasons
                .iter()
                .map(|(r, n)| format!("{r} ({n} invocations)"))
                .collect(),
            counts: Counts::of(&u.agg),
        })
        .collect()
}

pub fn input_of(stats: &IngestStats, agg: &Aggregator) -> InputOut {
    InputOut {
        files: stats.files,
        records: stats.records,
        skipped_lines: stats.skipped_lines,
        error_records: stats.error_records,
        outside_period: agg.outside_period,
        file_errors: stats.file_errors,
        bytes: stats.bytes,
        duplicates_dropped: stats.duplicates,
    }
}

/// One report per grouping from an aggregator that has seen every record.
pub fn reports_of(
    catalog: &Catalog,
    agg: &Aggregator,
    groupings: &[Vec<GroupKey>],
    ttl: CacheTtl,
    period: &Period,
    stats: &IngestStats,
) -> Vec<Report> {
    let period_out = period_out(period, agg);
    let unpriced = unpriced_of(agg);
    let input = input_of(stats, agg);
    (0..groupings.len())
        .map(|i| {
            let rows = rows_of(agg, i);
            Report {
                schema: SCHEMA,
                source: DataSource::Logs,
                limits: vec![],
                long_context_bound_usd: BTreeMap::new(),
                period: period_out.clone(),
                group_by: groupings[i].iter().map(GroupKey::name).collect(),
                totals: totals_of(&rows),
                rows,
                unpriced: unpriced.clone(),
                input: input.clone(),
                pricing: pricing_out(agg, catalog, ttl),
            }
        })
        .collect()
}

/// A logs report with the rows of a metrics report (of the hours the logs miss) added: each
/// row names its source in a leading `source` key; totals, unpriced models and limits combined.
/// The logs report comes back unchanged when the metrics add nothing.
pub fn with_metrics(logs: Report, metrics: &Report) -> Report {
    if metrics.rows.is_empty() || metrics.totals.counts.is_empty() {
        return logs;
    }
    let tag = |rows: &[Row], source: &str| -> Vec<Row> {
        rows.iter()
            .cloned()
            .map(|mut r| {
                r.keys.insert(0, ("source".into(), Some(source.into())));
                r
            })
            .collect()
    };
    let mut rows = tag(&logs.rows, "logs");
    rows.extend(tag(&metrics.rows, "metrics"));
    let mut unpriced = logs.unpriced.clone();
    unpriced.extend(metrics.unpriced.iter().cloned());
    let mut group_by = vec!["source".to_string()];
    group_by.extend(logs.group_by.iter().cloned());
    Report {
        source: DataSource::Auto,
        limits: metrics
            .limits
            .iter()
            .map(|l| format!("rows from metrics (hours without logs): {l}"))
            .collect(),
        long_context_bound_usd: metrics.long_context_bound_usd.clone(),
        group_by,
        totals: totals_of(&rows),
        rows,
        unpriced,
        ..logs
    }
}

/// The prices a result used: the oldest catalog date among the rows that priced it.
pub fn pricing_out(agg: &Aggregator, catalog: &Catalog, ttl: CacheTtl) -> PricingOut {
    let as_of = catalog.as_of();
    PricingOut {
        catalog_as_of: as_of.map(|d| d.to_string()),
        price_versions: agg
            .price_versions
            .iter()
            .map(|(v, n)| PriceVersionOut {
                model: v.model.clone(),
                scope: v.scope,
                valid_from: v.valid_from.map(|d| d.to_string()),
                valid_until: v.valid_until.map(|d| d.to_string()),
                invocations: *n,
            })
            .collect(),
        stale_prices: stale_prices(as_of, agg.last_day()),
        cache_write_ttl: ttl,
        overrides: catalog
            .overrides
            .iter()
            .map(|o| OverrideOut {
                file: o.path.clone(),
                as_of: o.as_of.to_string(),
            })
            .collect(),
    }
}

/// The period a result covers: the bounds asked for, else the first and last day seen.
pub fn period_out(period: &Period, agg: &Aggregator) -> PeriodOut {
    // A bound at midnight shows as its day; any other instant in full.
    let day = |t: chrono::DateTime<chrono::Utc>| {
        if t.time() == chrono::NaiveTime::MIN {
            t.format("%Y-%m-%d").to_string()
        } else {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        }
    };
    PeriodOut {
        start: period
            .start
            .map(day)
            .or_else(|| agg.first_day().map(|d| d.to_string())),
        // --end is exclusive internally; show the last day included.
        // --end of a day or month is exclusive at the next midnight: show the last day included.
        end: period
            .end
            .map(|e| {
                if e.time() == chrono::NaiveTime::MIN {
                    (e - chrono::Days::new(1)).format("%Y-%m-%d").to_string()
                } else {
                    day(e)
                }
            })
            .or_else(|| agg.last_day().map(|d| d.to_string())),
    }
}
