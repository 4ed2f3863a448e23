//! The canonical result of `whatif` (`bedrock-lens/whatif/v1`): the baseline and every
//! scenario per workload, with assumptions and recommendations, built once from the pass over
//! the logs and rendered to every format from this struct.
//!
//! Rounding: each scenario's exact row costs (pico-dollars) are rounded to micro-dollars with
//! the largest-remainder method, so a scenario's rows add up to its total; deltas are the
//! differences of rounded values, so they add up too.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::{json, Value};

use crate::money::{apportion_signed, group_thousands, percent, Num, Pico, Usd6};
use crate::pricing::{CacheTtl, Catalog, Scope};
use crate::report::{Counts, InputOut, PeriodOut, PricingOut, UnpricedEntry};
use crate::scenarios::caching::{self, Estimate};
use crate::scenarios::provisioned::{self, Sizing};
use crate::scenarios::sink::{Plan, WhatIfSink};
use crate::scenarios::spec::{Kind, Profile, Scenario, Term, Tier, Transform};
use crate::usage::GroupKey;

pub const SCHEMA: &str = "bedrock-lens/whatif/v1";

/// A workload's key values, serialized as its own fields (`"model": "..."`).
#[derive(Debug, Clone, PartialEq)]
pub struct Key(pub Vec<(String, Option<String>)>);

impl Key {
    /// `a / b` for display.
    pub fn label(&self) -> String {
        self.0
            .iter()
            .map(|(_, v)| v.as_deref().unwrap_or("(none)"))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineRow {
    #[serde(flatten)]
    pub key: Key,
    #[serde(flatten)]
    pub counts: Counts,
    pub total_usd: Usd6,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub total_usd: Usd6,
    #[serde(flatten)]
    pub counts: Counts,
    pub rows: Vec<BaselineRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioRow {
    #[serde(flatten)]
    pub key: Key,
    pub total_usd: Usd6,
    pub delta_usd: Usd6,
    pub delta_pct: Option<Num>,
    /// Scenario-specific facts for this workload (units, utilisation, eligible share, ...).
    #[serde(skip_serializing_if = "Value::is_null")]
    pub details: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioOut {
    pub name: String,
    pub description: String,
    pub total_usd: Usd6,
    pub delta_usd: Usd6,
    pub delta_pct: Option<Num>,
    /// Every assumption the numbers rest on.
    pub assumptions: Value,
    pub rows: Vec<ScenarioRow>,
    #[serde(skip)]
    pub recommendable: bool,
    /// What kind of scenario this is (reasons are worded by kind, not by name).
    #[serde(skip)]
    pub kind: Option<Kind>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    #[serde(flatten)]
    pub key: Key,
    /// The cheapest inference mode for this workload; `None`: keep it as it runs.
    pub scenario: Option<String>,
    pub baseline_usd: Usd6,
    pub cost_usd: Usd6,
    pub savings_usd: Usd6,
    pub savings_pct: Option<Num>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CachingInUse {
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    /// Reads at the cache-read rate instead of the input rate.
    pub read_savings_usd: Usd6,
    /// Writes at the cache-write rate above the input rate.
    pub write_premium_usd: Usd6,
    /// read savings - write premium.
    pub realised_savings_usd: Usd6,
    /// Logged cache writes the next request with the same prefix did not read within the TTL.
    pub unread_writes: UnreadOut,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnreadOut {
    pub ttl: CacheTtl,
    /// Logged requests that wrote the cache; `writes` of them could be matched to a prompt
    /// (the rest have no body in the log, or one of an unknown shape) and were checked.
    pub logged_write_requests: u64,
    #[serde(flatten)]
    pub counts: caching::Unread,
    pub premium_usd: Usd6,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    pub schema: &'static str,
    pub period: PeriodOut,
    pub group_by: Vec<String>,
    pub baseline: Baseline,
    pub scenarios: Vec<ScenarioOut>,
    pub recommendations: Vec<Recommendation>,
    pub caching_in_use: CachingInUse,
    pub unpriced: Vec<UnpricedEntry>,
    pub input: InputOut,
    pub pricing: PricingOut,
}

/// Settings of the end-of-run scenarios.
pub struct Settings {
    /// Tokens per minute per model unit, by catalog model index (from --tpm-per-unit).
    pub tpm_by_model: HashMap<usize, u64>,
    /// --tpm-per-unit N for every model.
    pub tpm_all: Option<u64>,
    pub percentile: u32,
    /// Minutes the period covers (provisioned units are paid for all of them).
    pub period_minutes: u64,
}

fn describe_transform(t: &Transform) -> String {
    let mut parts = vec![];
    match t.tier {
        Tier::Standard => {}
        Tier::Batch => parts.push("batch inference rates for batch-eligible requests (asynchronous jobs, results within 24 hours)".to_string()),
        Tier::Flex => parts.push("flex service tier (cheaper; requests may be queued and served more slowly)".into()),
        Tier::Priority => parts.push("priority service tier (faster, dearer)".into()),
    }
    match t.profile {
        Some(Profile::Global) => parts.push(
            "global. cross-region profiles (requests may run in any commercial AWS Region)".into(),
        ),
        Some(Profile::Geo) => parts
            .push("geographic (us., eu., ...) profiles or in-region ids instead of global.".into()),
        None => {}
    }
    for s in &t.swaps {
        parts.push(format!(
            "{}% of {} requests moved to {} (token price effect only: same tokens, quality and latency not modelled)",
            s.share_pct, s.from, s.to
        ));
    }
    if let Some(c) = &t.cache {
        parts.push(format!(
            "prompt caching at an assumed {}% hit rate on {}% of uncached input, {} TTL",
            c.hit_rate.0 * Decimal::from(100),
            c.prefix_share.0 * Decimal::from(100),
            ttl_name(c.ttl)
        ));
    }
    if parts.is_empty() {
        "as it ran (no change)".into()
    } else {
        parts.join("; ")
    }
}

pub fn ttl_name(t: CacheTtl) -> &'static str {
    match t {
        CacheTtl::FiveMinutes => "5m",
        CacheTtl::OneHour => "1h",
    }
}

fn tier_prices(t: Tier) -> &'static str {
    match t {
        Tier::Standard => "catalog standard rates",
        Tier::Batch => "catalog batch rates; models without one keep their on-demand cost (no ratio is assumed: not every model runs as batch); cache tokens keep their on-demand cache rates",
        Tier::Flex => "catalog flex rates; where the catalog has none, 50% of standard (the documented flex ratio)",
        Tier::Priority => "catalog priority rates; where the catalog has none, 175% of standard (the documented priority ratio)",
    }
}

/// Builds the result from a finished pass.
pub fn build(
    sink: &mut WhatIfSink,
    plan: &Plan,
    catalog: &Catalog,
    settings: &Settings,
    head: (PeriodOut, InputOut, PricingOut, Vec<UnpricedEntry>),
) -> WhatIf {
    let (period, input, pricing, unpriced) = head;
    let names: Vec<String> = plan.keys.iter().map(GroupKey::name).collect();
    // Largest baseline first; ties by key.
    let mut order: Vec<usize> = (0..sink.rows.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&sink.rows[a], &sink.rows[b]);
        y.agg
            .cost()
            .0
            .cmp(&x.agg.cost().0)
            .then_with(|| x.values.cmp(&y.values))
    });
    let key = |i: usize| {
        Key(names
            .iter()
            .cloned()
            .zip(sink.rows[i].values.iter().cloned())
            .collect())
    };
    let base_exact: Vec<Pico> = order.iter().map(|&i| sink.rows[i].agg.cost()).collect();
    // Rounded exactly as `report` rounds, so the two commands show the same baseline.
    let aggs: Vec<&crate::usage::aggregate::Agg> =
        order.iter().map(|&i| &sink.rows[i].agg).collect();
    let base_usd: Vec<Usd6> = crate::report::breakdowns(&aggs)
        .iter()
        .map(|b| b.total())
        .collect();
    let mut counts = Counts::default();
    let baseline_rows: Vec<BaselineRow> = order
        .iter()
        .zip(&base_usd)
        .map(|(&i, &u)| {
            let c = Counts::of(&sink.rows[i].agg);
            counts.add(&c);
            BaselineRow {
                key: key(i),
                counts: c,
                total_usd: u,
            }
        })
        .collect();
    let base_total: Usd6 = base_usd.iter().copied().sum();

    caching::sort(&mut sink.events);
    let mut estimates: HashMap<u8, Estimate> = HashMap::new();
    let mut scenarios = vec![];
    for (si, s) in plan.scenarios.iter().enumerate() {
        let (exact, details, assumptions) = match &s.kind {
            Kind::Request(t) => request_scenario(sink, catalog, plan, si, t, &order),
            Kind::Provisioned(term) => provisioned_scenario(sink, catalog, settings, *term, &order),
            Kind::Reserved => reserved_scenario(sink, catalog, settings, &order),
            Kind::Measured(ttl) => {
                let e = estimates
                    .entry(*ttl as u8)
                    .or_insert_with(|| caching::simulate(&sink.events, *ttl, sink.rows.len()));
                measured_scenario(sink, catalog, e, *ttl, &order)
            }
        };
        // Rounded as baseline + rounded change, so a workload the scenario does not change
        // shows exactly its baseline.
        let deltas: Vec<i128> = exact
            .iter()
            .zip(&base_exact)
            .map(|(s, b)| s.0 - b.0)
            .collect();
        let delta_usd = apportion_signed(&deltas, 1_000_000);
        let usd: Vec<Usd6> = base_usd
            .iter()
            .zip(&delta_usd)
            .map(|(b, d)| Usd6(b.0 + d))
            .collect();
        let rows: Vec<ScenarioRow> = order
            .iter()
            .enumerate()
            .map(|(pos, &i)| {
                let delta = Usd6(delta_usd[pos]);
                ScenarioRow {
                    key: key(i),
                    total_usd: usd[pos],
                    delta_usd: delta,
                    delta_pct: percent(delta.0, base_usd[pos].0),
                    details: details[pos].clone(),
                }
            })
            .collect();
        let total: Usd6 = usd.iter().copied().sum();
        let delta = Usd6(total.0 - base_total.0);
        scenarios.push(ScenarioOut {
            name: s.name.clone(),
            description: describe(s),
            total_usd: total,
            delta_usd: delta,
            delta_pct: percent(delta.0, base_total.0),
            assumptions,
            rows,
            recommendable: s.recommendable,
            kind: Some(s.kind.clone()),
        });
    }
    let recommendations = order
        .iter()
        .enumerate()
        .map(|(pos, &i)| recommend(key(i), pos, base_usd[pos], &scenarios))
        .collect();
    let unread = caching::unread_writes(&sink.events, plan.ttl);
    let r = sink.realised;
    let caching_in_use = CachingInUse {
        cache_read_tokens: r.read_tokens,
        cache_write_tokens: r.write_tokens,
        read_savings_usd: r.read_savings.to_usd6(),
        write_premium_usd: r.write_premium.to_usd6(),
        realised_savings_usd: Usd6(r.read_savings.to_usd6().0 - r.write_premium.to_usd6().0),
        unread_writes: UnreadOut {
            ttl: plan.ttl,
            logged_write_requests: r.write_requests,
            premium_usd: unread.premium.to_usd6(),
            counts: unread,
        },
    };
    WhatIf {
        schema: SCHEMA,
        period,
        group_by: names,
        baseline: Baseline {
            total_usd: base_total,
            counts,
            rows: baseline_rows,
        },
        scenarios,
        recommendations,
        caching_in_use,
        unpriced,
        input,
        pricing,
    }
}

fn describe(s: &Scenario) -> String {
    match &s.kind {
        Kind::Request(t) => describe_transform(t),
        Kind::Provisioned(term) => format!(
            "provisioned throughput, {}: model units sized from each workload's per-minute token peak, billed per unit-hour for the whole period; tokens above capacity on demand",
            term.label()
        ),
        Kind::Reserved => "reserved tier: input and output tokens per minute reserved (in 1K steps, at least 100K input and 10K output) at a monthly price, prorated over the period; tokens above the reservation on demand".into(),
        Kind::Measured(ttl) => format!(
            "prompt caching of the repeated prompt prefixes found in the logs, {} TTL",
            ttl_name(*ttl)
        ),
    }
}

type Parts = (Vec<Pico>, Vec<Value>, Value);

fn unchanged_json(m: &BTreeMap<String, u64>) -> Value {
    Value::Object(m.iter().map(|(k, v)| (k.clone(), json!(v))).collect())
}

fn request_scenario(
    sink: &WhatIfSink,
    catalog: &Catalog,
    plan: &Plan,
    si: usize,
    t: &Transform,
    order: &[usize],
) -> Parts {
    let mut unchanged: BTreeMap<String, u64> = BTreeMap::new();
    let mut partial: BTreeMap<String, u64> = BTreeMap::new();
    let mut prices_used: Vec<Value> = vec![];
    let mut by_ratio = 0;
    let (mut eligible, mut total) = (0u64, 0u64);
    let mut exact = vec![];
    let mut details = vec![];
    for &i in order {
        let w = &sink.rows[i];
        let c = &w.cells[si];
        exact.push(c.cost);
        by_ratio += c.by_ratio;
        for (k, n) in &c.unchanged {
            *unchanged.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &c.partial {
            *partial.entry(k.clone()).or_default() += n;
        }
        eligible += w.batch_eligible;
        total += w.agg.invocations;
        let left: u64 = c.unchanged.values().sum();
        let mut d = if t.tier == Tier::Batch {
            json!({"batch_eligible_invocations": w.batch_eligible, "invocations": w.agg.invocations,
                   "eligible_streaming_invocations": w.eligible_streaming,
                   "eligible_share_pct": percent(w.batch_eligible as i128, w.agg.invocations as i128),
                   "unchanged_invocations": left})
        } else {
            json!({"unchanged_invocations": left, "ratio_priced_invocations": c.by_ratio,
                   "partly_applied_invocations": c.partial.values().sum::<u64>()})
        };
        // The prices used: the workload's model (and a swap's target) where it ran.
        let mut models = vec![w.model];
        models.extend(
            t.swaps
                .iter()
                .filter(|s| s.from_idx == w.model)
                .map(|s| s.to_idx),
        );
        let used: Vec<Value> = models
            .iter()
            .flat_map(|&m| {
                w.priced_at
                    .iter()
                    .map(move |(region, scope)| (m, region, *scope))
            })
            .map(|(m, region, scope)| {
                crate::scenarios::reprice::rates_used(catalog, t, m, region, scope)
            })
            .collect();
        for u in &used {
            if !prices_used.contains(u) {
                prices_used.push(u.clone());
            }
        }
        d["prices"] = Value::Array(used);
        details.push(d);
    }
    let mut a = serde_json::Map::new();
    a.insert("tier".into(), json!(t.tier));
    a.insert("prices".into(), json!(tier_prices(t.tier)));
    if t.tier == Tier::Batch {
        a.insert(
            "batch_eligibility".into(),
            json!(plan.eligibility.describe()),
        );
        a.insert(
            "eligible_share_pct".into(),
            json!(percent(eligible as i128, total as i128)),
        );
        a.insert("batch_eligible_invocations".into(), json!(eligible));
    }
    if matches!(t.tier, Tier::Flex | Tier::Priority) {
        a.insert("ratio_priced_invocations".into(), json!(by_ratio));
    }
    if let Some(p) = t.profile {
        a.insert("profile".into(), json!(p));
        a.insert(
            "what_changes".into(),
            json!(match p {
                Profile::Global => "requests may be served in any commercial AWS Region (check data-residency rules); metrics stay in the source region; global rows of the catalog (about 10% below geo for Claude 4.5 models)",
                Profile::Geo => "requests stay within the profile's geography (us., eu., ...); geo or in-region rows of the catalog",
            }),
        );
    }
    if !t.swaps.is_empty() {
        a.insert("swaps".into(), json!(t.swaps));
        a.insert(
            "swap_effect".into(),
            json!("token price only: the same input and output token counts on the new model"),
        );
    }
    if let Some(c) = &t.cache {
        a.insert("cache".into(), json!(c));
    }
    a.insert("unchanged_invocations".into(), unchanged_json(&unchanged));
    if !partial.is_empty() {
        a.insert(
            "partly_applied_invocations".into(),
            unchanged_json(&partial),
        );
    }
    a.insert("prices_used".into(), Value::Array(prices_used));
    (exact, details, Value::Object(a))
}

/// A capacity plan (provisioned units or a reservation) for one workload in one region: its
/// cost and details, or why the workload keeps its on-demand cost.
type Plan1 = Result<(Pico, Pico, Value), String>;

/// Runs `plan` over every (workload, region) of per-minute bins: the shared part of the
/// provisioned and reserved scenarios. Returns the rows' exact costs, details and the
/// unchanged reasons.
fn capacity_rows(
    sink: &WhatIfSink,
    catalog: &Catalog,
    order: &[usize],
    mut plan: impl FnMut(&provisioned::Bins, &crate::pricing::Model, &str, Scope) -> Plan1,
) -> (Vec<Pico>, Vec<Value>, BTreeMap<String, u64>) {
    let mut unchanged: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_row: HashMap<u32, (Pico, Vec<Value>)> = HashMap::new();
    let mut bins: Vec<(&(u32, String), &provisioned::Bins)> = sink.bins.iter().collect();
    bins.sort_by(|a, b| a.0.cmp(b.0));
    for ((row, region), b) in bins {
        let entry = per_row.entry(*row).or_insert((Pico(0), vec![]));
        match plan(
            b,
            catalog.model(b.model),
            region,
            b.scope.unwrap_or(Scope::Regional),
        ) {
            Ok((fixed, overflow, mut d)) => {
                d["model"] = json!(catalog.model(b.model).key);
                entry.0 += fixed + overflow;
                d["region"] = json!(region);
                d["fixed_usd"] = json!(fixed.to_usd6());
                d["overflow_usd"] = json!(overflow.to_usd6());
                entry.1.push(d);
            }
            Err(why) => {
                let calls = b.calls;
                *unchanged.entry(why.clone()).or_default() += calls;
                entry.0 += b.baseline;
                entry
                    .1
                    .push(json!({"region": region, "unchanged_invocations": calls, "why": why}));
            }
        }
    }
    let (exact, details) = collect_rows(sink, order, per_row);
    (exact, details, unchanged)
}

/// The sized capacity of every workload and region, for a scenario's assumptions.
fn sizing_of(details: &[Value]) -> Value {
    let one = |d: &Value| -> Option<Value> {
        (d.get("units").is_some() || d.get("input_tpm").is_some()).then(|| d.clone())
    };
    Value::Array(
        details
            .iter()
            .flat_map(|d| match d.as_array() {
                Some(a) => a.iter().filter_map(one).collect::<Vec<_>>(),
                None => one(d).into_iter().collect(),
            })
            .collect(),
    )
}

fn provisioned_scenario(
    sink: &WhatIfSink,
    catalog: &Catalog,
    st: &Settings,
    term: Term,
    order: &[usize],
) -> Parts {
    let mut tpm_used: BTreeMap<String, String> = BTreeMap::new();
    let (exact, details, unchanged) = capacity_rows(sink, catalog, order, |b, model, region, _| {
        let hourly = model
            .price(region, Scope::Regional)
            .and_then(|r| provisioned::hourly(r, term))
            .ok_or_else(|| {
                format!(
                    "no provisioned-throughput price ({}) for {} in {region}",
                    term.label(),
                    model.key
                )
            })?;
        let (tpm, src) = st
            .tpm_by_model
            .get(&b.model)
            .copied()
            .or(st.tpm_all)
            .map(|n| (n, "--tpm-per-unit"))
            .or(model.tpm_per_unit.map(|n| (n, "catalog")))
            .ok_or_else(|| {
                format!(
                    "tokens per minute per model unit unknown for {} (AWS does not publish it): pass --tpm-per-unit {}=N",
                    model.key, model.key
                )
            })?;
        tpm_used.insert(
            model.key.clone(),
            format!("{} ({src})", group_thousands(tpm)),
        );
        let s: Sizing = provisioned::size(b, hourly, tpm, st.percentile, st.period_minutes);
        // A term is a commitment: the period is shown pro rata, the commitment is all of it.
        let term_hours: Option<i128> = match term {
            Term::NoCommitment => None,
            Term::OneMonth => Some(provisioned::HOURS_PER_MONTH as i128),
            Term::SixMonths => Some(6 * provisioned::HOURS_PER_MONTH as i128),
        };
        let commitment = term_hours.map(|h| Pico(s.fixed.0 / s.hours.max(1) as i128 * h).to_usd6());
        let mut d = serde_json::to_value(&s).expect("serializable");
        if let Some(c) = commitment {
            d["term_commitment_usd"] = json!(c);
        }
        Ok((s.fixed, s.overflow, d))
    });
    let assumptions = json!({
        "term": term,
        "commitment": "1-month and 6-month terms are commitments: the period is charged pro rata here, while the commitment (details.term_commitment_usd) is units x hourly price x 730 or 4,380 hours",
        "hourly_price": "catalog provisioned rate per model unit-hour for the workload's region",
        "billed_hours": "every hour of the period, busy or not",
        "period_minutes": st.period_minutes,
        "tpm_per_unit": tpm_used,
        "size_percentile": st.percentile,
        "tokens_counted": "input + cache read + cache write + output tokens per minute",
        "overflow": "tokens above capacity in a minute, priced at the workload's average on-demand cost per token",
        "break_even": "utilisation at which the units cost what the same tokens cost on demand",
        "sizing": sizing_of(&details),
        "unchanged_invocations": unchanged_json(&unchanged),
    });
    (exact, details, assumptions)
}

fn reserved_scenario(
    sink: &WhatIfSink,
    catalog: &Catalog,
    st: &Settings,
    order: &[usize],
) -> Parts {
    let (exact, details, unchanged) = capacity_rows(
        sink,
        catalog,
        order,
        |b, model, region, scope| {
            let (pin, pout) = model
            .price(region, scope)
            .and_then(|r| r.reserved_input_1k_tpm_month.zip(r.reserved_output_1k_tpm_month))
            .ok_or_else(|| {
                format!(
                    "no reserved-tier price for {} in {region} (AWS quotes it through account teams: add yours with --pricing)",
                    model.key
                )
            })?;
            let r = provisioned::size_reserved(b, pin, pout, st.percentile, st.period_minutes);
            Ok((
                r.fixed,
                r.overflow,
                serde_json::to_value(&r).expect("serializable"),
            ))
        },
    );
    let assumptions = json!({
        "prices": "catalog reserved_input_1k_tpm_month / reserved_output_1k_tpm_month for the workload's region and profile",
        "sizing": "input (incl. cache) and output tokens per minute at the size percentile, rounded up to 1K, at least 100K input and 10K output",
        "size_percentile": st.percentile,
        "period_minutes": st.period_minutes,
        "months": "period hours / 730",
        "overflow": "tokens above the reservation in a minute, input priced at the workload's average on-demand input-side cost per token and output at its output cost",
        "sizing": sizing_of(&details),
        "unchanged_invocations": unchanged_json(&unchanged),
    });
    (exact, details, assumptions)
}

/// Per-row (cost, details) of a period-level scenario, in display order; rows without an
/// entry keep their baseline.
fn collect_rows(
    sink: &WhatIfSink,
    order: &[usize],
    mut per_row: HashMap<u32, (Pico, Vec<Value>)>,
) -> (Vec<Pico>, Vec<Value>) {
    let mut exact = vec![];
    let mut details = vec![];
    for &i in order {
        let (p, d) = per_row
            .remove(&(i as u32))
            .unwrap_or((sink.rows[i].agg.cost(), vec![]));
        exact.push(p);
        details.push(match d.len() {
            0 => Value::Null,
            1 => d.into_iter().next().expect("one"),
            _ => Value::Array(d),
        });
    }
    (exact, details)
}

fn measured_scenario(
    sink: &WhatIfSink,
    catalog: &Catalog,
    e: &Estimate,
    ttl: CacheTtl,
    order: &[usize],
) -> Parts {
    let mut exact = vec![];
    let mut details = vec![];
    let mut prices_used: Vec<Value> = vec![];
    for &i in order {
        let w = &sink.rows[i];
        exact.push(Pico(w.agg.cost().0 + e.delta[i]));
        details.push(if e.reads[i] + e.writes[i] > 0 {
            // The cache rates applied: the workload's own price rows.
            let used: Vec<Value> = w
                .priced_at
                .iter()
                .map(|(region, scope)| {
                    crate::scenarios::reprice::rates_used(
                        catalog,
                        &Transform::default(),
                        w.model,
                        region,
                        *scope,
                    )
                })
                .collect();
            for u in &used {
                if !prices_used.contains(u) {
                    prices_used.push(u.clone());
                }
            }
            json!({"cache_reads": e.reads[i], "cache_writes": e.writes[i], "prices": used})
        } else {
            Value::Null
        });
    }
    let assumptions = json!({
        "ttl": ttl,
        "prices_used": prices_used,
        "prefix": "tools + system prompt (one cache breakpoint) and every message but the last (a second one), hashed (no text kept); a request also matches its conversation's previous turn",
        "prefix_tokens": "estimated: the request's input tokens x the prefix's share of the body bytes",
        "min_prefix_tokens": "per model: 4,096 for Claude Haiku 4.5 and Opus 4.5, 2,048 for Claude 3.x Haiku, 1,024 otherwise",
        "replay": "per application (system prompt x model x account x region) in time order: a request reads the longest live entry (same prefix, its previous turn, or the system prompt) and writes the rest of its prefix; entries live for the TTL after their last use",
        "cached_applications": "only applications with repeated prefixes whose caching saves money at this TTL (sparser ones are counted as unprofitable and left uncached); requests already using the cache, long-context requests and models without cache rates are left as they ran",
        "repeated_prefixes": e.prefixes,
        "unprofitable_prefixes": e.unprofitable,
        "cache_reads": e.reads.iter().sum::<u64>(),
        "cache_writes": e.writes.iter().sum::<u64>(),
        "cache_read_tokens": e.read_tokens,
        "cache_write_tokens": e.write_tokens,
    });
    (exact, details, assumptions)
}

fn recommend(key: Key, pos: usize, base: Usd6, scenarios: &[ScenarioOut]) -> Recommendation {
    let best = scenarios
        .iter()
        .filter(|s| s.recommendable)
        .map(|s| (s, &s.rows[pos]))
        .filter(|(_, r)| r.delta_usd.0 < 0)
        // A rate assumed from a ratio is a what-if, not a basis for a recommendation.
        .filter(|(_, r)| r.details["ratio_priced_invocations"].as_u64().unwrap_or(0) == 0)
        .min_by_key(|(_, r)| r.total_usd);
    match best {
        None => Recommendation {
            key,
            scenario: None,
            baseline_usd: base,
            cost_usd: base,
            savings_usd: Usd6(0),
            savings_pct: None,
            reason: "keep as it runs: no inference mode is cheaper for this workload".into(),
        },
        Some((s, r)) => Recommendation {
            key,
            scenario: Some(s.name.clone()),
            baseline_usd: base,
            cost_usd: r.total_usd,
            savings_usd: Usd6(-r.delta_usd.0),
            savings_pct: r.delta_pct.map(|p| Num(-p.0)),
            reason: reason(s, r),
        },
    }
}

fn num(v: &Value, k: &str) -> String {
    match &v[k] {
        Value::Number(n) => n
            .as_u64()
            .map(group_thousands)
            .unwrap_or_else(|| n.to_string()),
        Value::String(s) => s.clone(),
        _ => "?".into(),
    }
}

/// The sized entry of a capacity scenario's details (a workload spanning regions has one per
/// region; the first with units or a reservation).
pub fn sized_detail(d: &Value) -> &Value {
    match d.as_array() {
        Some(a) => a
            .iter()
            .find(|x| x.get("units").is_some() || x.get("input_tpm").is_some())
            .unwrap_or(&a[0]),
        None => d,
    }
}

fn reason(s: &ScenarioOut, r: &ScenarioRow) -> String {
    let d = &r.details;
    let a = &s.assumptions;
    match &s.kind {
        Some(Kind::Request(t)) if t.tier == Tier::Batch && t.profile.is_none() && t.swaps.is_empty() => {
            let mut s = format!(
                "batch rates on {} of {} requests ({}% eligible); only for work that can wait for a batch job",
                num(d, "batch_eligible_invocations"),
                num(d, "invocations"),
                num(d, "eligible_share_pct")
            );
            if d["eligible_streaming_invocations"].as_u64().unwrap_or(0) > 0 {
                s.push_str(&format!(
                    "; {} of them stream to a waiting caller: check they can wait (--batch-heuristic leaves them out)",
                    num(d, "eligible_streaming_invocations")
                ));
            }
            s
        }
        Some(Kind::Request(t)) if t.tier == Tier::Flex && t.profile.is_none() => {
            "flex tier rates; only for work that tolerates slower, queued service".into()
        }
        Some(Kind::Request(t)) if t.profile == Some(Profile::Global) && t.tier == Tier::Standard => {
            "global cross-region profile rates; requests may be served in any commercial region".into()
        }
        Some(Kind::Provisioned(term)) => {
            let one = sized_detail(d);
            let mut s = format!(
                "{} model unit(s), {}, {}% utilised, break-even at {}% utilisation",
                num(one, "units"),
                term.label(),
                num(one, "utilisation_pct"),
                num(one, "break_even_utilisation_pct")
            );
            if *term != Term::NoCommitment {
                s.push_str(&format!(
                    "; commits to {} for the whole term",
                    one["term_commitment_usd"]
                        .as_f64()
                        .map(|c| format!("${c:.2}"))
                        .unwrap_or_else(|| "the term".into())
                ));
            }
            s
        }
        Some(Kind::Reserved) => {
            let one = sized_detail(d);
            format!(
                "reserve {} input and {} output tokens per minute at the catalog's reserved-tier price",
                num(one, "input_tpm"),
                num(one, "output_tpm")
            )
        }
        Some(Kind::Measured(_)) => format!(
            "cache the repeated prompt prefixes ({} TTL): {} reads, {} writes estimated from the logs",
            num(a, "ttl"),
            num(d, "cache_reads"),
            num(d, "cache_writes")
        ),
        _ => s.description.clone(),
    }
}
