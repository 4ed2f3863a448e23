//! Scenario evaluation after the pass: each scenario's exact cost per workload, the typed facts
//! behind it (`Details`) and every assumption it rests on (`Assumptions`). `output::whatif`
//! rounds these into the result document.

use std::collections::{BTreeMap, HashMap};

use rust_decimal::Decimal;

use super::caching::{self, Estimate};
use super::details::{
    Assumptions, BatchAssumptions, BatchDetails, CachingAssumptions, CachingDetails,
    CapacityDetail, CapacityPlan, Details, ProfileAssumptions, ProvisionedAssumptions,
    ProvisionedPlan, RatesUsed, RequestAssumptions, RequestDetails, ReservedAssumptions,
    SizedDetail, SwapAssumptions, UnchangedDetail,
};
use super::provisioned::{self, Bins, Sizing};
use super::reprice::rates_used;
use super::sink::{Plan, WhatIfSink};
use super::spec::{Kind, Profile, Scenario, Term, Tier, Transform};
use crate::money::{group_thousands, percent, Pico};
use crate::pricing::{CacheTtl, Catalog, Model, Scope};

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

/// What a scenario evaluation reads.
pub struct Context<'a, 'r> {
    pub sink: &'a WhatIfSink<'r>,
    pub catalog: &'a Catalog,
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    /// Workload indexes in display order.
    pub order: &'a [usize],
}

/// One scenario evaluated: per workload (display order) its exact cost and details.
pub struct Evaluated {
    pub exact: Vec<Pico>,
    pub details: Vec<Option<Details>>,
    pub assumptions: Assumptions,
}

/// Evaluates scenario `si` of the plan; measured caching estimates are computed once per TTL.
pub fn evaluate(cx: &Context, si: usize, estimates: &mut HashMap<CacheTtl, Estimate>) -> Evaluated {
    let s = &cx.plan.scenarios[si];
    match &s.kind {
        Kind::Request(t) => request_scenario(cx, si, t),
        Kind::Provisioned(term) => provisioned_scenario(cx, *term),
        Kind::Reserved => reserved_scenario(cx),
        Kind::Measured(ttl) => {
            let e = estimates
                .entry(*ttl)
                .or_insert_with(|| caching::simulate(&cx.sink.events, *ttl, cx.sink.rows.len()));
            measured_scenario(cx, e, *ttl)
        }
    }
}

pub fn describe(s: &Scenario) -> String {
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
        Tier::Flex => "catalog flex rates; a model the catalog lists no flex rate for is not offered flex and keeps its on-demand cost (no rate is derived from a ratio)",
        Tier::Priority => "catalog priority rates; a model the catalog lists no priority rate for is not offered priority and keeps its on-demand cost (no rate is derived from a ratio)",
    }
}

/// Adds `used` to `all` where it is not there yet.
fn add_used(all: &mut Vec<RatesUsed>, used: &[RatesUsed]) {
    for u in used {
        if !all.contains(u) {
            all.push(u.clone());
        }
    }
}

fn request_scenario(cx: &Context, si: usize, t: &Transform) -> Evaluated {
    let mut unchanged: BTreeMap<String, u64> = BTreeMap::new();
    let mut partial: BTreeMap<String, u64> = BTreeMap::new();
    let mut prices_used: Vec<RatesUsed> = vec![];
    let (mut eligible, mut total) = (0u64, 0u64);
    let mut exact = vec![];
    let mut details = vec![];
    for &i in cx.order {
        let w = &cx.sink.rows[i];
        let c = &w.cells[si];
        exact.push(c.cost);
        for (k, n) in &c.unchanged {
            *unchanged.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &c.partial {
            *partial.entry(k.clone()).or_default() += n;
        }
        eligible += w.batch_eligible;
        total += w.agg.invocations;
        // The prices used: the workload's model (and a swap's target) where it ran.
        let mut models = vec![w.model];
        models.extend(
            t.swaps
                .iter()
                .filter(|s| s.from_idx == w.model)
                .map(|s| s.to_idx),
        );
        let prices: Vec<RatesUsed> = models
            .iter()
            .flat_map(|&m| {
                w.priced_at
                    .iter()
                    .map(move |(region, scope)| (m, region, *scope))
            })
            .map(|(m, region, scope)| rates_used(cx.catalog, t, m, region, scope))
            .collect();
        add_used(&mut prices_used, &prices);
        let left: u64 = c.unchanged.values().sum();
        details.push(Some(if t.tier == Tier::Batch {
            Details::Batch(BatchDetails {
                batch_eligible_invocations: w.batch_eligible,
                invocations: w.agg.invocations,
                eligible_streaming_invocations: w.eligible_streaming,
                eligible_share_pct: percent(w.batch_eligible as i128, w.agg.invocations as i128),
                unchanged_invocations: left,
                prices,
            })
        } else {
            Details::Request(RequestDetails {
                unchanged_invocations: left,
                partly_applied_invocations: c.partial.values().sum::<u64>(),
                prices,
            })
        }));
    }
    let assumptions = RequestAssumptions {
        tier: t.tier,
        prices: tier_prices(t.tier),
        batch: (t.tier == Tier::Batch).then(|| BatchAssumptions {
            batch_eligibility: cx.plan.eligibility.describe(),
            eligible_share_pct: percent(eligible as i128, total as i128),
            batch_eligible_invocations: eligible,
        }),
        profile: t.profile.map(|p| ProfileAssumptions {
            profile: p,
            what_changes: match p {
                Profile::Global => "requests may be served in any commercial AWS Region (check data-residency rules); metrics stay in the source region; global rows of the catalog (about 10% below geo for Claude 4.5 models)",
                Profile::Geo => "requests stay within the profile's geography (us., eu., ...); geo or in-region rows of the catalog",
            },
        }),
        swaps: (!t.swaps.is_empty()).then(|| SwapAssumptions {
            swaps: t.swaps.clone(),
            swap_effect: "token price only: the same input and output token counts on the new model",
        }),
        cache: t.cache,
        unchanged_invocations: unchanged,
        partly_applied_invocations: partial,
        prices_used,
    };
    Evaluated {
        exact,
        details,
        assumptions: Assumptions::Request(assumptions),
    }
}

/// A capacity plan for one workload in one region (its fixed and overflow cost), or why the
/// workload keeps its on-demand cost there.
type PlanOne = Result<(Pico, Pico, CapacityPlan), String>;

/// Per workload (display order): exact cost and capacity details; and the sized plans and the
/// unchanged reasons over all workloads.
struct CapacityRows {
    exact: Vec<Pico>,
    details: Vec<Option<Details>>,
    sized: Vec<SizedDetail>,
    unchanged: BTreeMap<String, u64>,
}

/// Runs `plan` over every (workload, region) of per-minute bins: the shared part of the
/// provisioned and reserved scenarios.
fn capacity_rows(
    cx: &Context,
    mut plan: impl FnMut(&Bins, &Model, &str, Scope) -> PlanOne,
) -> CapacityRows {
    let mut unchanged: BTreeMap<String, u64> = BTreeMap::new();
    let mut per_row: HashMap<u32, (Pico, Vec<CapacityDetail>)> = HashMap::new();
    let mut bins: Vec<(&(u32, String), &Bins)> = cx.sink.bins.iter().collect();
    bins.sort_by(|a, b| a.0.cmp(b.0));
    for ((row, region), b) in bins {
        let entry = per_row.entry(*row).or_insert((Pico(0), vec![]));
        let model = cx.catalog.model(b.model);
        match plan(b, model, region, b.scope.unwrap_or(Scope::Regional)) {
            Ok((fixed, overflow, p)) => {
                entry.0 += fixed + overflow;
                entry.1.push(CapacityDetail::Sized(SizedDetail {
                    plan: p,
                    model: model.key.clone(),
                    region: region.clone(),
                    fixed_usd: fixed.to_usd6(),
                    overflow_usd: overflow.to_usd6(),
                }));
            }
            Err(why) => {
                *unchanged.entry(why.clone()).or_default() += b.calls;
                entry.0 += b.baseline;
                entry.1.push(CapacityDetail::Unchanged(UnchangedDetail {
                    region: region.clone(),
                    unchanged_invocations: b.calls,
                    why,
                }));
            }
        }
    }
    // Rows without an entry keep their baseline.
    let mut exact = vec![];
    let mut details = vec![];
    let mut sized = vec![];
    for &i in cx.order {
        let (p, d) = per_row
            .remove(&(i as u32))
            .unwrap_or((cx.sink.rows[i].agg.cost(), vec![]));
        exact.push(p);
        sized.extend(d.iter().filter_map(|c| match c {
            CapacityDetail::Sized(s) => Some(s.clone()),
            CapacityDetail::Unchanged(_) => None,
        }));
        details.push(match d.len() {
            0 => None,
            1 => d.into_iter().next().map(Details::Capacity),
            _ => Some(Details::Regions(d)),
        });
    }
    CapacityRows {
        exact,
        details,
        sized,
        unchanged,
    }
}

fn provisioned_scenario(cx: &Context, term: Term) -> Evaluated {
    let st = cx.settings;
    let mut tpm_used: BTreeMap<String, String> = BTreeMap::new();
    let rows = capacity_rows(cx, |b, model, region, _| {
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
        let (fixed, overflow) = (s.fixed, s.overflow);
        let plan = CapacityPlan::Provisioned(ProvisionedPlan {
            sizing: s,
            term_commitment_usd: commitment,
        });
        Ok((fixed, overflow, plan))
    });
    let assumptions = ProvisionedAssumptions {
        term,
        commitment: "1-month and 6-month terms are commitments: the period is charged pro rata here, while the commitment (details.term_commitment_usd) is units x hourly price x 730 or 4,380 hours",
        hourly_price: "catalog provisioned rate per model unit-hour for the workload's region",
        billed_hours: "every hour of the period, busy or not",
        period_minutes: st.period_minutes,
        tpm_per_unit: tpm_used,
        size_percentile: st.percentile,
        tokens_counted: "input + cache read + cache write + output tokens per minute",
        overflow: "tokens above capacity in a minute, priced at the workload's average on-demand cost per token",
        break_even: "utilisation at which the units cost what the same tokens cost on demand",
        sizing: rows.sized,
        unchanged_invocations: rows.unchanged,
    };
    Evaluated {
        exact: rows.exact,
        details: rows.details,
        assumptions: Assumptions::Provisioned(assumptions),
    }
}

fn reserved_scenario(cx: &Context) -> Evaluated {
    let st = cx.settings;
    let rows = capacity_rows(cx, |b, model, region, scope| {
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
        Ok((r.fixed, r.overflow, CapacityPlan::Reserved(r)))
    });
    let assumptions = ReservedAssumptions {
        prices: "catalog reserved_input_1k_tpm_month / reserved_output_1k_tpm_month for the workload's region and profile",
        sizing: rows.sized,
        sizing_rule: "input (incl. cache) and output tokens per minute at the size percentile, rounded up to 1K, at least 100K input and 10K output",
        size_percentile: st.percentile,
        period_minutes: st.period_minutes,
        months: "period hours / 730",
        overflow: "tokens above the reservation in a minute, input priced at the workload's average on-demand input-side cost per token and output at its output cost",
        unchanged_invocations: rows.unchanged,
    };
    Evaluated {
        exact: rows.exact,
        details: rows.details,
        assumptions: Assumptions::Reserved(assumptions),
    }
}

fn measured_scenario(cx: &Context, e: &Estimate, ttl: CacheTtl) -> Evaluated {
    let mut exact = vec![];
    let mut details = vec![];
    let mut prices_used: Vec<RatesUsed> = vec![];
    for &i in cx.order {
        let w = &cx.sink.rows[i];
        exact.push(Pico(w.agg.cost().0 + e.delta[i]));
        details.push((e.reads[i] + e.writes[i] > 0).then(|| {
            // The cache rates applied: the workload's own price rows.
            let prices: Vec<RatesUsed> = w
                .priced_at
                .iter()
                .map(|(region, scope)| {
                    rates_used(cx.catalog, &Transform::default(), w.model, region, *scope)
                })
                .collect();
            add_used(&mut prices_used, &prices);
            Details::Caching(CachingDetails {
                cache_reads: e.reads[i],
                cache_writes: e.writes[i],
                prices,
            })
        }));
    }
    let assumptions = CachingAssumptions {
        ttl,
        prices_used,
        prefix: "tools + system prompt (one cache breakpoint) and every message but the last (a second one), hashed (no text kept); a request also matches its conversation's previous turn",
        prefix_tokens: "estimated: the request's input tokens x the prefix's share of the body bytes",
        min_prefix_tokens: "per model: 4,096 for Claude Haiku 4.5 and Opus 4.5, 2,048 for Claude 3.x Haiku, 1,024 otherwise",
        replay: "per application (system prompt x model x account x region) in time order: a request reads the longest live entry (same prefix, its previous turn, or the system prompt) and writes the rest of its prefix; entries live for the TTL after their last use",
        cached_applications: "only applications with repeated prefixes whose caching saves money at this TTL (sparser ones are counted as unprofitable and left uncached); requests already using the cache, long-context requests and models without cache rates are left as they ran",
        repeated_prefixes: e.prefixes,
        unprofitable_prefixes: e.unprofitable,
        cache_reads: e.reads.iter().sum::<u64>(),
        cache_writes: e.writes.iter().sum::<u64>(),
        cache_read_tokens: e.read_tokens,
        cache_write_tokens: e.write_tokens,
        requests_with_prompt_body: cx.sink.readable_bodies,
        unchanged_invocations: BTreeMap::new(),
    };
    Evaluated {
        exact,
        details,
        assumptions: Assumptions::Caching(assumptions),
    }
}
