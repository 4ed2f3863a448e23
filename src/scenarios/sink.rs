//! The pass over the logs for `whatif`: the baseline (the report's aggregator), every
//! per-request scenario, per-minute bins for provisioned sizing and prefix events for caching.
//! One streaming pass; state is bounded by workloads x regions x busy minutes plus 64 bytes per
//! request with a cacheable prefix (never any prompt text).

use std::collections::{BTreeMap, HashMap};

use chrono::{Days, NaiveTime};

use crate::money::Pico;
use crate::pricing::aggregate::{group_key, key_values, pricing_region, Added, Agg, Aggregator};
use crate::pricing::{CacheTtl, Catalog, Resolution, Resolver};
use crate::usage::ingest::Sink;
use crate::usage::{GroupKey, Period, UsageRecord};

use super::caching::{self, Event, EventKind};
use super::provisioned::Bins;
use super::reprice::{reprice, Request};
use super::spec::{Eligibility, Kind, Scenario};

/// Everything the pass needs to know, resolved from flags once.
pub struct Plan {
    pub keys: Vec<GroupKey>,
    pub scenarios: Vec<Scenario>,
    pub eligibility: Eligibility,
    pub ttl: CacheTtl,
    pub period: Period,
}

impl Plan {
    /// Uncached requests' prefixes matter only to the caching estimator.
    fn needs_candidates(&self) -> bool {
        self.scenarios
            .iter()
            .any(|s| matches!(s.kind, Kind::Measured(_)))
    }

    fn needs_bins(&self) -> bool {
        self.scenarios
            .iter()
            .any(|s| matches!(s.kind, Kind::Provisioned(_) | Kind::Reserved))
    }
}

/// A per-request scenario's sums for one workload.
#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub cost: Pico,
    /// Requests left at their baseline cost, by reason.
    pub unchanged: BTreeMap<String, u64>,
    /// Requests where one step of a composed scenario did not apply (the others did), by reason.
    pub partial: BTreeMap<String, u64>,
}

impl Cell {
    fn merge(&mut self, o: Cell) {
        self.cost += o.cost;
        for (k, n) in o.unchanged {
            *self.unchanged.entry(k).or_default() += n;
        }
        for (k, n) in o.partial {
            *self.partial.entry(k).or_default() += n;
        }
    }
}

/// One workload (row): its key values, baseline and per-request scenario sums.
#[derive(Debug, Clone)]
pub struct Workload {
    pub values: Vec<Option<String>>,
    pub agg: Agg,
    pub batch_eligible: u64,
    /// Batch-eligible requests made with a streaming operation (someone was waiting).
    pub eligible_streaming: u64,
    /// Catalog index of the workload's model (every workload has one: `--by` includes it).
    pub model: usize,
    /// (region, price scope) pairs the workload's requests were priced at.
    pub priced_at: Vec<(String, crate::pricing::Scope)>,
    /// One per scenario (unused for provisioned and measured caching).
    pub cells: Vec<Cell>,
}

/// Savings the cache already brings: reads at the read rate instead of input, minus the
/// premium of writes over input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Realised {
    /// Requests that wrote the cache (the unread-write check covers those with a usable body).
    pub write_requests: u64,
    pub read_tokens: u64,
    pub write_tokens: u64,
    pub read_savings: Pico,
    pub write_premium: Pico,
}

pub struct WhatIfSink<'r> {
    /// The baseline exactly as `report` computes it (totals, unpriced models, dates).
    pub agg: Aggregator<'r>,
    plan: &'r Plan,
    catalog: &'r Catalog,
    pub rows: Vec<Workload>,
    index: HashMap<String, u32>,
    key_buf: String,
    /// (workload, region) -> tokens per minute.
    pub bins: HashMap<(u32, String), Bins>,
    pub events: Vec<Event<'r>>,
    /// Priced requests whose log record has a prompt body the caching estimate can read.
    pub readable_bodies: u64,
    pub realised: Realised,
    /// What the plan's scenarios need, decided once rather than per record.
    needs_bins: bool,
    needs_candidates: bool,
}

impl<'r> WhatIfSink<'r> {
    /// Minutes the period covers: the bounds asked for, else whole days from the first to the last
    /// record.
    pub fn period_minutes(&self, p: &Period) -> u64 {
        let start = p.start.or_else(|| {
            self.agg
                .first_day()
                .map(|d| d.and_time(NaiveTime::MIN).and_utc())
        });
        let end = p.end.or_else(|| {
            self.agg
                .last_day()
                .map(|d| (d + Days::new(1)).and_time(NaiveTime::MIN).and_utc())
        });
        match (start, end) {
            (Some(s), Some(e)) if e > s => (e - s).num_minutes().max(1) as u64,
            _ => 0,
        }
    }

    pub fn new(resolver: &'r Resolver<'r>, plan: &'r Plan) -> Self {
        WhatIfSink {
            agg: Aggregator::new(resolver, &[], plan.ttl, plan.period, None),
            plan,
            catalog: resolver.catalog(),
            rows: vec![],
            index: HashMap::new(),
            key_buf: String::new(),
            bins: HashMap::new(),
            events: vec![],
            readable_bodies: 0,
            realised: Realised::default(),
            needs_bins: plan.needs_bins(),
            needs_candidates: plan.needs_candidates(),
        }
    }

    fn row(&mut self, r: &UsageRecord, res: &Resolution) -> u32 {
        group_key(&self.plan.keys, r, res, &mut self.key_buf);
        if let Some(&i) = self.index.get(self.key_buf.as_str()) {
            return i;
        }
        let i = self.rows.len() as u32;
        self.rows.push(Workload {
            values: key_values(&self.plan.keys, r, res),
            agg: Agg::default(),
            batch_eligible: 0,
            eligible_streaming: 0,
            model: res.model_idx.expect("priced"),
            priced_at: vec![],
            cells: vec![Cell::default(); self.plan.scenarios.len()],
        });
        self.index.insert(self.key_buf.clone(), i);
        i
    }

    fn prefix_event(
        &mut self,
        r: &UsageRecord,
        res: &Resolution,
        region: &str,
        row: u32,
        long: bool,
    ) {
        if r.error_code.is_some() {
            return;
        }
        let model = res.model_idx.expect("priced");
        let Some(price) =
            self.catalog
                .model(model)
                .price_at(region, res.scope, r.timestamp.date_naive())
        else {
            return;
        };
        let rates = if long {
            &price.long_context
        } else {
            &price.standard
        };
        let t = &r.tokens;
        if t.cache_read > 0 || t.cache_write > 0 {
            // Counted from the token counts alone: bodies may be elsewhere (S3) or absent.
            self.realised.read_tokens += t.cache_read;
            self.realised.write_tokens += t.cache_write;
            self.realised.write_requests += (t.cache_write > 0) as u64;
            let cost =
                |p: Option<crate::money::PricePerMillion>, n| p.map_or(Pico(0), |p| p.cost(n));
            self.realised.read_savings +=
                Pico(cost(rates.input, t.cache_read).0 - cost(rates.cache_read, t.cache_read).0);
            let write = match self.plan.ttl {
                CacheTtl::FiveMinutes => rates.cache_write_5m,
                CacheTtl::OneHour => rates.cache_write_1h,
            };
            self.realised.write_premium +=
                Pico(cost(write, t.cache_write).0 - cost(rates.input, t.cache_write).0);
        }
        let Some(body) = r.body else { return };
        if t.cache_read == 0 && t.cache_write == 0 && !self.needs_candidates {
            return;
        }
        let Some(d) = caching::digest(body) else {
            return;
        };
        self.readable_bodies += 1;
        let scope = |h: u64| caching::scoped(h, model, r.account, region);
        let clamp = |n: u64| n.min(u32::MAX as u64) as u32;
        let mut ev = Event {
            group: scope(d.sys.0),
            ms: r.timestamp.timestamp_millis(),
            prev: 0,
            full: scope(d.full.0),
            sys_tokens: 0,
            prev_tokens: 0,
            full_tokens: 0,
            row,
            kind: EventKind::Candidate,
            rates,
        };
        if t.cache_write > 0 {
            ev.kind = EventKind::Write;
            ev.full_tokens = clamp(t.cache_write);
            ev.prev_tokens = clamp(t.cache_read);
        } else if t.cache_read > 0 {
            ev.kind = EventKind::Read;
            ev.full_tokens = clamp(t.cache_read);
        } else {
            let min = caching::min_prefix_tokens(&self.catalog.model(model).key);
            let full = d.tokens(d.full.1, t.input);
            if long || rates.cache_read.is_none() || rates.input.is_none() || full < min {
                return;
            }
            ev.full_tokens = clamp(full);
            let sys = d.tokens(d.sys.1, t.input);
            ev.sys_tokens = if sys >= min { clamp(sys) } else { 0 };
            if let Some((h, bytes)) = d.prev {
                let prev = d.tokens(bytes, t.input);
                if prev >= min {
                    ev.prev = scope(h);
                    ev.prev_tokens = clamp(prev);
                }
            }
        }
        self.events.push(ev);
    }
}

impl WhatIfSink<'_> {
    /// A metrics bucket: its sums priced and repriced like one request of many calls (never
    /// long-context), its tokens spread over its period's minutes for provisioned sizing.
    pub fn bucket(&mut self, r: &UsageRecord, b: crate::pricing::aggregate::Bucket) {
        self.take(r, Some(b));
    }

    fn take(&mut self, r: &UsageRecord, bucket: Option<crate::pricing::aggregate::Bucket>) {
        // The baseline as `report` prices it; outside the period or unpriced (reported by the
        // aggregator), the request is left out of every scenario.
        let added = match bucket {
            None => self.agg.add(r),
            Some(b) => self.agg.add_bucket(r, b),
        };
        let Some(Added {
            res,
            one,
            cost: Some(base),
        }) = added
        else {
            return;
        };
        let calls = if bucket.is_some() { one.invocations } else { 1 };
        let region = pricing_region(r, &res);
        let row = self.row(r, &res);
        let eligible = self.plan.eligibility.eligible(r, &res);
        let q = Request {
            res: &res,
            region,
            day: r.timestamp.date_naive(),
            tokens: r.tokens,
            baseline: base.total(),
            batch_eligible: eligible,
            bucket: bucket.is_some(),
        };
        let w = &mut self.rows[row as usize];
        w.agg.merge(&one);
        w.batch_eligible += eligible as u64 * calls;
        w.eligible_streaming += (eligible && super::spec::is_streaming(r.operation)) as u64 * calls;
        if !w
            .priced_at
            .iter()
            .any(|(reg, s)| reg == region && *s == res.scope)
        {
            w.priced_at.push((region.to_string(), res.scope));
        }
        for (i, s) in self.plan.scenarios.iter().enumerate() {
            if let Kind::Request(t) = &s.kind {
                let p = reprice(self.catalog, t, &q, self.plan.ttl);
                let c = &mut w.cells[i];
                c.cost += p.cost;
                if let Some(why) = p.unchanged {
                    let map = if p.cost == q.baseline {
                        &mut c.unchanged
                    } else {
                        &mut c.partial
                    };
                    *map.entry(why).or_default() += calls.max(1);
                }
            }
        }
        if self.needs_bins {
            let b = self.bins.entry((row, region.to_string())).or_default();
            b.model = res.model_idx.expect("priced");
            b.scope = Some(b.scope.map_or(res.scope, |s| s.min(res.scope)));
            let minute = r.timestamp.timestamp().div_euclid(60);
            let input_cost = base.input + base.cache_read + base.cache_write;
            let input = (r.tokens.total_input(), input_cost);
            let output = (r.tokens.output, base.output);
            match bucket {
                None => b.add(minute, input, output),
                Some(k) => {
                    b.add_spread(minute, u64::from(k.period_secs / 60), calls, input, output)
                }
            }
        }
        self.prefix_event(r, &res, region, row, base.long_context);
    }
}

impl Sink for WhatIfSink<'_> {
    fn record(&mut self, r: &UsageRecord) {
        self.take(r, None);
    }

    fn merge(&mut self, o: Self) {
        self.agg.merge(o.agg);
        let mut map = Vec::with_capacity(o.rows.len());
        let mut keys: Vec<(String, u32)> = o.index.into_iter().collect();
        keys.sort_by_key(|(_, i)| *i);
        let mut theirs = o.rows.into_iter();
        for (key, _) in keys {
            let w = theirs.next().expect("index and rows agree");
            let i = match self.index.get(&key) {
                Some(&i) => {
                    let mine = &mut self.rows[i as usize];
                    mine.agg.merge(&w.agg);
                    mine.batch_eligible += w.batch_eligible;
                    mine.eligible_streaming += w.eligible_streaming;
                    for p in w.priced_at {
                        if !mine.priced_at.contains(&p) {
                            mine.priced_at.push(p);
                        }
                    }
                    for (c, oc) in mine.cells.iter_mut().zip(w.cells) {
                        c.merge(oc);
                    }
                    i
                }
                None => {
                    let i = self.rows.len() as u32;
                    self.rows.push(w);
                    self.index.insert(key, i);
                    i
                }
            };
            map.push(i);
        }
        for ((row, region), b) in o.bins {
            self.bins
                .entry((map[row as usize], region))
                .or_default()
                .merge(b);
        }
        self.events.reserve_exact(o.events.len());
        self.events.extend(o.events.into_iter().map(|mut e| {
            e.row = map[e.row as usize];
            e
        }));
        self.readable_bodies += o.readable_bodies;
        let r = &mut self.realised;
        r.read_tokens += o.realised.read_tokens;
        r.write_requests += o.realised.write_requests;
        r.write_tokens += o.realised.write_tokens;
        r.read_savings += o.realised.read_savings;
        r.write_premium += o.realised.write_premium;
    }
}
