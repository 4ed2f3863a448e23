//! From logs to a plan: one pass over invocation records that describes each existing workload
//! (per model id as called, region and `--by` keys) as a [`WorkloadSpec`] a user can edit and
//! price again. Written so that, unchanged, the description prices to what the logs cost: exact
//! token means, the observed cache split, and long-context requests as their own workload.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::describe::{Dec, TokensSpec, WorkloadSpec};
use super::MONTH_MINUTES;
use crate::pricing::aggregate::{key_value, pricing_region};
use crate::pricing::{Aggregator, CacheTtl};
use crate::scenarios::spec::is_streaming;
use crate::usage::ingest::Sink;
use crate::usage::{GroupKey, UsageRecord};

/// What one group of priced requests used.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub calls: u64,
    pub input: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    pub output: u64,
    pub streaming: u64,
    /// Calls per minute (epoch minutes): the peak.
    pub minutes: HashMap<i64, u64>,
}

impl Observed {
    fn merge(&mut self, o: Observed) {
        self.calls += o.calls;
        self.input += o.input;
        self.cache_read += o.cache_read;
        self.cache_write += o.cache_write;
        self.output += o.output;
        self.streaming += o.streaming;
        for (m, n) in o.minutes {
            *self.minutes.entry(m).or_default() += n;
        }
    }
}

/// A group: model id as called, pricing region, the `--by` values, long-context or not.
pub type GroupId = (String, String, Vec<Option<String>>, bool);

/// The derivation pass: the report's own aggregator (so totals, unpriced calls and the period
/// are counted as `report` counts them) and the groups it describes.
pub struct DeriveSink<'r> {
    pub agg: Aggregator<'r>,
    keys: Vec<GroupKey>,
    pub groups: BTreeMap<GroupId, Observed>,
}

impl<'r> DeriveSink<'r> {
    pub fn new(agg: Aggregator<'r>, keys: Vec<GroupKey>) -> Self {
        DeriveSink {
            agg,
            keys,
            groups: BTreeMap::new(),
        }
    }
}

impl Sink for DeriveSink<'_> {
    fn record(&mut self, r: &UsageRecord) {
        let Some(added) = self.agg.add(r) else {
            return;
        };
        let Some(cost) = added.cost else {
            return;
        };
        let values = self
            .keys
            .iter()
            .map(|k| key_value(k, r, &added.res))
            .collect();
        let id = (
            r.model_id.to_string(),
            pricing_region(r, &added.res).to_string(),
            values,
            cost.long_context,
        );
        let g = self.groups.entry(id).or_default();
        g.calls += 1;
        g.input += r.tokens.input;
        g.cache_read += r.tokens.cache_read;
        g.cache_write += r.tokens.cache_write;
        g.output += r.tokens.output;
        g.streaming += is_streaming(r.operation) as u64;
        *g.minutes
            .entry(r.timestamp.timestamp().div_euclid(60))
            .or_default() += 1;
    }

    fn merge(&mut self, other: Self) {
        self.agg.merge(other.agg);
        for (k, o) in other.groups {
            self.groups.entry(k).or_default().merge(o);
        }
    }
}

/// The span the derived traffic is a month of.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub first: NaiveDate,
    /// Last day, inclusive.
    pub last: NaiveDate,
}

impl Span {
    /// The days from the period's bounds, else from the first and last record.
    pub fn of(
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        first: Option<DateTime<Utc>>,
        last: Option<DateTime<Utc>>,
    ) -> Option<Span> {
        let first = start.or(first)?.date_naive();
        let last = match end {
            // `end` is exclusive.
            Some(e) => (e - chrono::Duration::nanoseconds(1)).date_naive(),
            None => last?.date_naive(),
        };
        Some(Span { first, last })
    }

    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    /// Whether it is one whole calendar month.
    pub fn calendar_month(&self) -> bool {
        self.first.day() == 1
            && self.last.month() == self.first.month()
            && self.last.year() == self.first.year()
            && self.last.succ_opt().is_some_and(|d| d.day() == 1)
    }
}

/// `n / d` exact enough that `d x` it rounds back to `n` (one more digit than `d` has).
fn exact_ratio(n: u64, d: u64) -> Dec {
    let digits = d.max(1).ilog10() + 2;
    Dec(crate::money::round_dp(Decimal::from(n) / Decimal::from(d), digits.min(20)).normalize())
}

/// The group's description.
pub fn spec(
    id: &GroupId,
    o: &Observed,
    keys: &[GroupKey],
    span: &Span,
    ttl: CacheTtl,
) -> WorkloadSpec {
    let (model_id, region, values, long) = id;
    let mut name = format!("{model_id} in {region}");
    for (k, v) in keys.iter().zip(values) {
        name.push_str(&format!(
            ", {}={}",
            k.name(),
            v.as_deref().unwrap_or("(none)")
        ));
    }
    if *long {
        name.push_str(" (long-context requests)");
    }
    let calls = o.calls.max(1);
    let requests_per_month = if span.calendar_month() {
        Dec(Decimal::from(o.calls))
    } else {
        let minutes = Decimal::from(span.days() * 1440);
        Dec(crate::money::round_dp(
            Decimal::from(o.calls) * Decimal::from(MONTH_MINUTES) / minutes,
            0,
        ))
    };
    let total_input = o.input + o.cache_read + o.cache_write;
    let cached = o.cache_read + o.cache_write;
    // The busiest minute over the average minute of the month described (730 hours): a ratio, so
    // that traffic edited in the description moves its peak with it.
    let peak = o.minutes.values().copied().max().unwrap_or(0);
    let peak_to_average = (peak > 0 && !requests_per_month.0.is_zero()).then(|| {
        Dec(crate::money::round_dp(
            Decimal::from(peak) * Decimal::from(MONTH_MINUTES) / requests_per_month.0,
            4,
        )
        .max(Decimal::ONE)
        .normalize())
    });
    WorkloadSpec {
        name: Some(name),
        models: vec![model_id.clone()],
        regions: vec![region.clone()],
        requests_per_month: Some(requests_per_month),
        peak_to_average,
        input_tokens: Some(TokensSpec::Mean(exact_ratio(total_input, calls))),
        output_tokens: Some(TokensSpec::Mean(exact_ratio(o.output, calls))),
        cache_prefix_share: (cached > 0).then(|| exact_ratio(cached, total_input.max(1))),
        cache_hit_rate: (cached > 0).then(|| exact_ratio(o.cache_read, cached)),
        cached_now: (cached > 0).then(|| {
            match ttl {
                CacheTtl::FiveMinutes => "5m",
                CacheTtl::OneHour => "1h",
            }
            .to_string()
        }),
        streaming: Some(o.streaming * 2 > o.calls),
        ..WorkloadSpec::default()
    }
}
