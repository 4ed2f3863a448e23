//! The canonical result of `whatif` (`bedrock-lens/whatif/v1`): the baseline and every
//! scenario per workload, with assumptions and recommendations, built once from the pass over
//! the logs and rendered to every format from this struct.
//!
//! Rounding: each scenario's exact row costs (pico-dollars) are rounded to micro-dollars with
//! the largest-remainder method, so a scenario's rows add up to its total; deltas are the
//! differences of rounded values, so they add up too.

use std::collections::HashMap;

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use super::report::{breakdowns, Counts, InputOut, PeriodOut, PricingOut, UnpricedEntry};
use crate::money::{apportion_signed, group_thousands, percent, Num, Pico, Ties, Usd6};
use crate::pricing::{Agg, CacheTtl, Catalog};
use crate::scenarios::caching::{self, Estimate};
use crate::scenarios::details::{Assumptions, CapacityDetail, CapacityPlan, Details, NotComputed};
use crate::scenarios::evaluate::{describe, evaluate, ttl_name, Context, Evaluated, Settings};
use crate::scenarios::sink::{Plan, WhatIfSink};
use crate::scenarios::spec::{Kind, Profile, Scenario, Term, Tier};
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Details>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScenarioOut {
    pub name: String,
    pub description: String,
    /// `None` (with `not_computed` saying why) when the scenario applies to no request.
    pub total_usd: Option<Usd6>,
    pub delta_usd: Option<Usd6>,
    pub delta_pct: Option<Num>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_computed: Option<NotComputed>,
    /// Every assumption the numbers rest on.
    pub assumptions: Assumptions,
    /// Empty when the scenario is not computed.
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
    /// What was repriced: `logs` or `metrics`.
    pub source: crate::output::report::DataSource,
    /// What the source cannot tell, said with the figures (empty for logs).
    pub limits: Vec<String>,
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
    // Each workload's key, in display order.
    let keys: Vec<Key> = order
        .iter()
        .map(|&i| {
            Key(names
                .iter()
                .cloned()
                .zip(sink.rows[i].values.iter().cloned())
                .collect())
        })
        .collect();
    let base_exact: Vec<Pico> = order.iter().map(|&i| sink.rows[i].agg.cost()).collect();
    // Rounded exactly as `report` rounds, so the two commands show the same baseline.
    let aggs: Vec<&Agg> = order.iter().map(|&i| &sink.rows[i].agg).collect();
    let base_usd: Vec<Usd6> = breakdowns(&aggs).iter().map(|b| b.total()).collect();
    let mut counts = Counts::default();
    let baseline_rows: Vec<BaselineRow> = order
        .iter()
        .zip(&base_usd)
        .zip(&keys)
        .map(|((&i, &u), key)| {
            let c = Counts::of(&sink.rows[i].agg);
            counts.add(&c);
            BaselineRow {
                key: key.clone(),
                counts: c,
                total_usd: u,
            }
        })
        .collect();
    let base = Base {
        invocations: counts.invocations,
        total: base_usd.iter().copied().sum(),
        exact: base_exact,
        usd: base_usd,
    };

    caching::sort(&mut sink.events);
    let mut estimates: HashMap<CacheTtl, Estimate> = HashMap::new();
    let mut scenarios = vec![];
    let cx = Context {
        sink,
        catalog,
        plan,
        settings,
        order: &order,
    };
    for (si, s) in plan.scenarios.iter().enumerate() {
        let e = evaluate(&cx, si, &mut estimates);
        scenarios.push(scenario_out(s, e, &base, &keys));
    }
    let recommendations = keys
        .into_iter()
        .enumerate()
        .map(|(pos, key)| recommend(key, pos, base.usd[pos], &scenarios))
        .collect();
    WhatIf {
        schema: SCHEMA,
        source: crate::output::report::DataSource::Logs,
        limits: vec![],
        period,
        group_by: names,
        baseline: Baseline {
            total_usd: base.total,
            counts,
            rows: baseline_rows,
        },
        scenarios,
        recommendations,
        caching_in_use: caching_in_use(sink, plan.ttl),
        unpriced,
        input,
        pricing,
    }
}

/// The baseline per workload (display order): exact and rounded as `report` rounds; the total.
struct Base {
    invocations: u64,
    exact: Vec<Pico>,
    usd: Vec<Usd6>,
    total: Usd6,
}

/// One scenario's rows and totals. Rounded as baseline + rounded change, so a workload the
/// scenario does not change shows exactly its baseline.
fn scenario_out(s: &Scenario, e: Evaluated, base: &Base, keys: &[Key]) -> ScenarioOut {
    if let Some(why) = e.assumptions.not_computed(base.invocations) {
        return ScenarioOut {
            name: s.name.clone(),
            description: describe(s),
            total_usd: None,
            delta_usd: None,
            delta_pct: None,
            not_computed: Some(why),
            assumptions: e.assumptions,
            rows: vec![],
            recommendable: false,
            kind: Some(s.kind.clone()),
        };
    }
    let deltas: Vec<i128> = e
        .exact
        .iter()
        .zip(&base.exact)
        .map(|(s, b)| s.0 - b.0)
        .collect();
    let delta_usd = apportion_signed(&deltas, 1_000_000, Ties::ExactSum);
    let usd: Vec<Usd6> = base
        .usd
        .iter()
        .zip(&delta_usd)
        .map(|(b, d)| Usd6(b.0 + d))
        .collect();
    let rows: Vec<ScenarioRow> = e
        .details
        .into_iter()
        .enumerate()
        .map(|(pos, details)| {
            let delta = Usd6(delta_usd[pos]);
            ScenarioRow {
                key: keys[pos].clone(),
                total_usd: usd[pos],
                delta_usd: delta,
                delta_pct: percent(delta.0, base.usd[pos].0),
                details,
            }
        })
        .collect();
    let total: Usd6 = usd.iter().copied().sum();
    let delta = Usd6(total.0 - base.total.0);
    ScenarioOut {
        name: s.name.clone(),
        description: describe(s),
        total_usd: Some(total),
        delta_usd: Some(delta),
        delta_pct: percent(delta.0, base.total.0),
        not_computed: None,
        assumptions: e.assumptions,
        rows,
        recommendable: s.recommendable,
        kind: Some(s.kind.clone()),
    }
}

/// What the prompt caching already in the logs saved, and the writes nobody read.
fn caching_in_use(sink: &WhatIfSink, ttl: CacheTtl) -> CachingInUse {
    let unread = caching::unread_writes(&sink.events, ttl);
    let r = sink.realised;
    CachingInUse {
        cache_read_tokens: r.read_tokens,
        cache_write_tokens: r.write_tokens,
        read_savings_usd: r.read_savings.to_usd6(),
        write_premium_usd: r.write_premium.to_usd6(),
        realised_savings_usd: Usd6(r.read_savings.to_usd6().0 - r.write_premium.to_usd6().0),
        unread_writes: UnreadOut {
            ttl,
            logged_write_requests: r.write_requests,
            premium_usd: unread.premium.to_usd6(),
            counts: unread,
        },
    }
}

fn recommend(key: Key, pos: usize, base: Usd6, scenarios: &[ScenarioOut]) -> Recommendation {
    let best = scenarios
        .iter()
        .filter(|s| s.recommendable && s.not_computed.is_none())
        .map(|s| (s, &s.rows[pos]))
        .filter(|(_, r)| r.delta_usd.0 < 0)
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

/// A number a reason shows (`?` where it could not be computed).
fn shown(n: Option<Num>) -> String {
    n.map_or_else(|| "?".into(), Num::text)
}

fn reason(s: &ScenarioOut, r: &ScenarioRow) -> String {
    let d = r.details.as_ref();
    let sized = || match d.and_then(Details::main) {
        Some(CapacityDetail::Sized(one)) => Some(&one.plan),
        _ => None,
    };
    match (&s.kind, d) {
        (Some(Kind::Request(t)), Some(Details::Batch(b)))
            if t.tier == Tier::Batch && t.profile.is_none() && t.swaps.is_empty() =>
        {
            // Eligible requests without a batch rate (long context, ...) keep their cost.
            let applied = b.batch_eligible_invocations - b.unchanged_invocations;
            let mut s = format!(
                "batch rates on {} of {} requests ({}% eligible{}); only for work that can wait for a batch job",
                group_thousands(applied),
                group_thousands(b.invocations),
                shown(b.eligible_share_pct),
                match b.unchanged_invocations {
                    0 => String::new(),
                    n => format!(", {} of them without a batch rate", group_thousands(n)),
                }
            );
            if b.eligible_streaming_invocations > 0 {
                s.push_str(&format!(
                    "; {} of them stream to a waiting caller: check they can wait (--batch-heuristic leaves them out)",
                    group_thousands(b.eligible_streaming_invocations)
                ));
            }
            s
        }
        (Some(Kind::Request(t)), _) if t.tier == Tier::Flex && t.profile.is_none() => {
            "flex tier rates; only for work that tolerates slower, queued service".into()
        }
        (Some(Kind::Request(t)), _)
            if t.profile == Some(Profile::Global) && t.tier == Tier::Standard =>
        {
            "global cross-region profile rates; requests may be served in any commercial region".into()
        }
        (Some(Kind::Provisioned(term)), _) => {
            let Some(CapacityPlan::Provisioned(p)) = sized() else {
                return s.description.clone();
            };
            let mut text = format!(
                "{} model unit(s), {}, {}% utilised, break-even at {}% utilisation",
                group_thousands(p.sizing.units),
                term.label(),
                shown(Some(p.sizing.utilisation_pct)),
                shown(p.sizing.break_even_utilisation_pct)
            );
            if *term != Term::NoCommitment {
                text.push_str(&format!(
                    "; commits to {} for the whole term",
                    p.term_commitment_usd
                        .map(|c| format!("${}", c.cents_plain()))
                        .unwrap_or_else(|| "the term".into())
                ));
            }
            text
        }
        (Some(Kind::Reserved), _) => {
            let Some(CapacityPlan::Reserved(r)) = sized() else {
                return s.description.clone();
            };
            format!(
                "reserve {} input and {} output tokens per minute at the catalog's reserved-tier price",
                group_thousands(r.input_tpm),
                group_thousands(r.output_tpm)
            )
        }
        (Some(Kind::Measured(ttl)), Some(Details::Caching(c))) => format!(
            "cache the repeated prompt prefixes ({} TTL): {} reads, {} writes estimated from the logs",
            ttl_name(*ttl),
            group_thousands(c.cache_reads),
            group_thousands(c.cache_writes)
        ),
        _ => s.description.clone(),
    }
}
