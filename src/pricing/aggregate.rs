//! Aggregation: each validated record is priced once (per request, so long-context rates apply
//! per request) and added to one row per group key in every requested grouping.
//!
//! Memory is bounded by the number of distinct groups, never by the number of records.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

use super::cost::{price_bucket, price_requests};
use super::table::{TableBuffer, UsageTable};
use super::{price_request, CacheTtl, CostBreakdown, Resolution, Resolver};
use crate::money::Pico;
use crate::usage::ingest::Sink;
use crate::usage::{identity_principal, GroupKey, Period, Tokens, UsageRecord};

/// Sums over a set of records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Agg {
    pub invocations: u64,
    pub errors: u64,
    pub unpriced_invocations: u64,
    pub long_context_invocations: u64,
    /// Invocations logged without any token count (blocked before the model ran).
    pub guardrail_blocked: u64,
    pub tokens: Tokens,
    pub cost_input: Pico,
    pub cost_output: Pico,
    pub cost_cache_read: Pico,
    pub cost_cache_write: Pico,
    /// Records (or metric buckets) priced: a row has a cost when any was.
    pub priced: u64,
}

impl Agg {
    fn add_tokens(&mut self, t: &Tokens) {
        self.tokens.input += t.input;
        self.tokens.output += t.output;
        self.tokens.cache_read += t.cache_read;
        self.tokens.cache_write += t.cache_write;
    }

    pub fn merge(&mut self, o: &Agg) {
        self.invocations += o.invocations;
        self.errors += o.errors;
        self.unpriced_invocations += o.unpriced_invocations;
        self.long_context_invocations += o.long_context_invocations;
        self.guardrail_blocked += o.guardrail_blocked;
        self.add_tokens(&o.tokens);
        self.cost_input += o.cost_input;
        self.cost_output += o.cost_output;
        self.cost_cache_read += o.cost_cache_read;
        self.cost_cache_write += o.cost_cache_write;
        self.priced += o.priced;
    }

    /// The exact cost of the priced invocations.
    pub fn cost(&self) -> Pico {
        self.cost_input + self.cost_output + self.cost_cache_read + self.cost_cache_write
    }

    pub fn priced_invocations(&self) -> u64 {
        self.invocations - self.unpriced_invocations
    }
}

/// One `--by` grouping and its rows.
#[derive(Debug, Clone)]
pub struct Grouping {
    pub keys: Vec<GroupKey>,
    /// Joined key -> (values, sums). Values are `None` where the record has no such field.
    pub rows: HashMap<String, (Vec<Option<String>>, Agg)>,
}

/// Writes the joined group key of a record for `keys` into `out` (cleared first): values
/// separated by U+001F, a missing value written as U+0000, so no two key lists collide.
pub fn group_key(keys: &[GroupKey], r: &UsageRecord, res: &Resolution, out: &mut String) {
    out.clear();
    for k in keys {
        if !write_key(k, r, res, out) {
            out.push('\u{0}');
        }
        out.push('\u{1f}');
    }
}

/// The values of `keys` for a record (`None` where it has none).
pub fn key_values(keys: &[GroupKey], r: &UsageRecord, res: &Resolution) -> Vec<Option<String>> {
    keys.iter().map(|k| key_value(k, r, res)).collect()
}

/// An id the catalog could not price, with why.
#[derive(Debug, Clone, Default)]
pub struct Unpriced {
    pub reasons: BTreeMap<String, u64>,
    pub agg: Agg,
}

/// One dated version of a model's price at one scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PriceVersion {
    pub model: String,
    pub scope: super::Scope,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

pub struct Aggregator<'r> {
    resolver: &'r Resolver<'r>,
    ttl: CacheTtl,
    period: Period,
    pub groupings: Vec<Grouping>,
    pub totals: Agg,
    pub unpriced: BTreeMap<String, Unpriced>,
    pub outside_period: u64,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    /// Oldest as-of date among the price rows actually used.
    pub prices_as_of: Option<NaiveDate>,
    /// Dated price rows used (one of several versions), with the invocations each priced.
    pub price_versions: BTreeMap<PriceVersion, u64>,
    /// Metrics buckets: per model with long-context rates, how much more its tokens would cost
    /// at those rates (the most the standard-rate figure can be short by).
    pub long_context_bound: BTreeMap<String, Pico>,
    cache: HashMap<String, Arc<Resolution>>,
    key_buf: String,
    /// Per-request rows for the usage table, when one is being written.
    table: Option<TableBuffer<'r>>,
}

impl<'r> Aggregator<'r> {
    pub fn new(
        resolver: &'r Resolver<'r>,
        groupings: &[Vec<GroupKey>],
        ttl: CacheTtl,
        period: Period,
        table: Option<&'r UsageTable>,
    ) -> Self {
        Aggregator {
            resolver,
            ttl,
            period,
            groupings: groupings
                .iter()
                .map(|k| Grouping {
                    keys: k.clone(),
                    rows: HashMap::new(),
                })
                .collect(),
            totals: Agg::default(),
            unpriced: BTreeMap::new(),
            outside_period: 0,
            first: None,
            last: None,
            prices_as_of: None,
            price_versions: BTreeMap::new(),
            long_context_bound: BTreeMap::new(),
            cache: HashMap::new(),
            key_buf: String::new(),
            table: table.map(TableBuffer::new),
        }
    }

    /// Writes the rows still buffered for the usage table.
    pub fn flush_table(&mut self) {
        if let Some(t) = &mut self.table {
            t.flush();
        }
    }

    pub fn resolution(&mut self, model_id: &str) -> Arc<Resolution> {
        if let Some(r) = self.cache.get(model_id) {
            return r.clone();
        }
        let r = Arc::new(self.resolver.resolve(model_id));
        self.cache.insert(model_id.to_string(), r.clone());
        r
    }

    pub fn first_day(&self) -> Option<NaiveDate> {
        self.first.map(|t| t.date_naive())
    }

    pub fn last_day(&self) -> Option<NaiveDate> {
        self.last.map(|t| t.date_naive())
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Appends a record's value for `k` to `out`; false (nothing appended) when it has none.
/// Written in place so the per-record lookup of an existing group allocates nothing.
fn write_key(k: &GroupKey, r: &UsageRecord, res: &Resolution, out: &mut String) -> bool {
    use std::fmt::Write;
    let start = out.len();
    match k {
        GroupKey::Model => out.push_str(res.model.as_deref().unwrap_or(r.model_id)),
        GroupKey::ModelId => out.push_str(r.model_id),
        // Written from the date's numbers (chrono's `format` parses its pattern every time).
        GroupKey::Day => {
            let t = r.timestamp;
            write!(out, "{:04}-{:02}-{:02}", t.year(), t.month(), t.day())
                .expect("writing to a String")
        }
        GroupKey::Hour => {
            let t = r.timestamp;
            let (y, m, d, h) = (t.year(), t.month(), t.day(), t.hour());
            write!(out, "{y:04}-{m:02}-{d:02}T{h:02}:00Z").expect("writing to a String")
        }
        GroupKey::Month => {
            let t = r.timestamp;
            write!(out, "{:04}-{:02}", t.year(), t.month()).expect("writing to a String")
        }
        GroupKey::Identity => out.push_str(identity_principal(r.identity_arn)),
        GroupKey::IdentityArn => out.push_str(r.identity_arn),
        GroupKey::Region => out.push_str(r.region),
        GroupKey::Operation => out.push_str(r.operation),
        GroupKey::Profile => out.push_str(res.kind.as_str()),
        GroupKey::Account => out.push_str(r.account),
        GroupKey::Meta(m) => out.push_str(r.meta(m).unwrap_or("")),
    }
    out.len() > start
}

pub fn key_value(k: &GroupKey, r: &UsageRecord, res: &Resolution) -> Option<String> {
    let mut s = String::new();
    write_key(k, r, res, &mut s).then_some(s)
}

/// The region a request is priced in: its own, else its ARN's.
pub fn pricing_region<'a>(r: &'a UsageRecord, res: &'a Resolution) -> &'a str {
    if r.region.is_empty() {
        res.arn_region.as_deref().unwrap_or("")
    } else {
        r.region
    }
}

/// What `Aggregator::add` computed for one request of the period, for a caller that builds
/// more on it (`whatif`): its resolution, its sums as one invocation (costs included) and its
/// cost breakdown, `None` when it could not be priced.
pub struct Added {
    pub res: Arc<Resolution>,
    pub one: Agg,
    pub cost: Option<CostBreakdown>,
}

/// Requests summed alike (the Athena aggregation's groups: one model id, call region, hour,
/// long-context bucket and set of non-zero token kinds), added as one "record" of many calls
/// and priced exactly as its requests one by one would be.
#[derive(Debug, Clone, Copy, Default)]
pub struct Group {
    pub invocations: u64,
    pub errors: u64,
    pub guardrail_blocked: u64,
    /// The largest long-context threshold (input tokens) the requests exceed; 0: none.
    pub long_context_over: u64,
}

/// How a "record" stands for its requests.
#[derive(Clone, Copy)]
enum Counted {
    One,
    Bucket(Bucket),
    Group(Group),
}

/// Usage summed over a period (CloudWatch metrics), added as one "record" of many calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct Bucket {
    pub invocations: u64,
    pub errors: u64,
    /// The period the sums cover, in seconds.
    pub period_secs: u32,
}

impl Aggregator<'_> {
    /// Adds one record; `None` when it is outside the period.
    pub fn add(&mut self, r: &UsageRecord) -> Option<Added> {
        self.add_counted(r, Counted::One)
    }

    /// Adds a group of requests summed alike: `r` carries its key fields and token sums.
    pub fn add_group(&mut self, r: &UsageRecord, g: Group) -> Option<Added> {
        self.add_counted(r, Counted::Group(g))
    }

    /// Adds a bucket of metrics: `r` carries its key fields and token sums; priced at standard
    /// rates (the long-context bound is kept in `long_context_bound`).
    pub fn add_bucket(&mut self, r: &UsageRecord, b: Bucket) -> Option<Added> {
        self.add_counted(r, Counted::Bucket(b))
    }

    fn add_counted(&mut self, r: &UsageRecord, counted: Counted) -> Option<Added> {
        if !self.period.contains(r.timestamp) {
            self.outside_period += match counted {
                Counted::Group(g) => g.invocations,
                _ => 1,
            };
            return None;
        }
        self.first = min_opt(self.first, Some(r.timestamp));
        self.last = self.last.max(Some(r.timestamp));
        let res = self.resolution(r.model_id);
        let region = pricing_region(r, &res);
        let mut one = match counted {
            Counted::One => Agg {
                invocations: 1,
                errors: r.error_code.is_some() as u64,
                guardrail_blocked: r.guardrail_blocked as u64,
                ..Default::default()
            },
            Counted::Bucket(b) => Agg {
                invocations: b.invocations,
                errors: b.errors,
                ..Default::default()
            },
            Counted::Group(g) => Agg {
                invocations: g.invocations,
                errors: g.errors,
                guardrail_blocked: g.guardrail_blocked,
                ..Default::default()
            },
        };
        one.add_tokens(&r.tokens);
        let day = r.timestamp.date_naive();
        let catalog = self.resolver.catalog();
        let priced = match counted {
            Counted::One => price_request(catalog, &res, region, day, &r.tokens, self.ttl),
            Counted::Group(g) => {
                price_requests(catalog, &res, region, day, &r.tokens, self.ttl, |th| {
                    g.long_context_over >= th
                })
            }
            Counted::Bucket(_) => price_bucket(catalog, &res, region, day, &r.tokens, self.ttl)
                .map(|(c, long)| {
                    if let Some(l) = long {
                        let extra = Pico(l.0.saturating_sub(c.total().0));
                        if extra.0 > 0 {
                            let e = self
                                .long_context_bound
                                .entry(res.model.clone().unwrap_or_default())
                                .or_default();
                            *e = *e + extra;
                        }
                    }
                    c
                }),
        };
        if let Some(t) = &mut self.table {
            t.push(r, &res, &priced);
        }
        let cost = match priced {
            Ok(c) => {
                one.cost_input = c.input;
                one.cost_output = c.output;
                one.cost_cache_read = c.cache_read;
                one.cost_cache_write = c.cache_write;
                one.long_context_invocations = if c.long_context { one.invocations } else { 0 };
                one.priced = 1;
                self.prices_as_of = min_opt(self.prices_as_of, c.as_of);
                if let (Some((from, until)), Some(model)) = (c.version, &res.model) {
                    let v = PriceVersion {
                        model: model.clone(),
                        scope: res.scope,
                        valid_from: from,
                        valid_until: until,
                    };
                    *self.price_versions.entry(v).or_default() += match counted {
                        Counted::Group(g) => g.invocations,
                        _ => 1,
                    };
                }
                Some(c)
            }
            Err(reason) => {
                one.unpriced_invocations = one.invocations;
                let u = self.unpriced.entry(r.model_id.to_string()).or_default();
                u.agg.merge(&one);
                *u.reasons.entry(reason).or_default() += one.invocations;
                None
            }
        };
        self.totals.merge(&one);
        for g in &mut self.groupings {
            group_key(&g.keys, r, &res, &mut self.key_buf);
            match g.rows.get_mut(self.key_buf.as_str()) {
                Some((_, agg)) => agg.merge(&one),
                None => {
                    let values = key_values(&g.keys, r, &res);
                    g.rows.insert(self.key_buf.clone(), (values, one.clone()));
                }
            }
        }
        Some(Added { res, one, cost })
    }
}

impl Sink for Aggregator<'_> {
    fn record(&mut self, r: &UsageRecord) {
        self.add(r);
    }

    fn merge(&mut self, mut o: Self) {
        o.flush_table();
        self.totals.merge(&o.totals);
        self.outside_period += o.outside_period;
        self.first = min_opt(self.first, o.first);
        self.prices_as_of = min_opt(self.prices_as_of, o.prices_as_of);
        for (v, n) in o.price_versions {
            *self.price_versions.entry(v).or_default() += n;
        }
        for (m, p) in o.long_context_bound {
            let e = self.long_context_bound.entry(m).or_default();
            *e = *e + p;
        }
        // None < Some: max keeps the latest of the two.
        self.last = self.last.max(o.last);
        for (id, u) in o.unpriced {
            let mine = self.unpriced.entry(id).or_default();
            mine.agg.merge(&u.agg);
            for (reason, n) in u.reasons {
                *mine.reasons.entry(reason).or_default() += n;
            }
        }
        for (mine, theirs) in self.groupings.iter_mut().zip(o.groupings) {
            for (k, (values, agg)) in theirs.rows {
                match mine.rows.get_mut(&k) {
                    Some((_, a)) => a.merge(&agg),
                    None => {
                        mine.rows.insert(k, (values, agg));
                    }
                }
            }
        }
        for (k, v) in o.cache {
            self.cache.entry(k).or_insert(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys() {
        assert_eq!(
            GroupKey::parse("meta:team").unwrap(),
            GroupKey::Meta("team".into())
        );
        assert!(GroupKey::parse("meta:").is_err());
        assert_eq!(
            GroupKey::parse("colour").unwrap_err(),
            "unknown --by key `colour`"
        );
    }

    #[test]
    fn strips_role_session_names() {
        assert_eq!(
            identity_principal("arn:aws:sts::123456789012:assumed-role/chatbot/4f1c2a"),
            "arn:aws:sts::123456789012:assumed-role/chatbot"
        );
        assert_eq!(
            identity_principal("arn:aws:iam::123456789012:user/ci-bot"),
            "arn:aws:iam::123456789012:user/ci-bot"
        );
    }
}
