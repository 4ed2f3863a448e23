//! What a scenario's numbers rest on, typed: the facts per workload (`Details`: eligible share,
//! units and utilisation, a reservation, cache reads and writes, the prices used) and the
//! assumptions of the whole scenario (`Assumptions`). Serialized as they are into whatif's JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use super::provisioned::{Reserved, Sizing};
use super::spec::{CacheRate, Profile, Swap, Term, Tier};
use crate::money::{Num, Usd6};
use crate::pricing::CacheTtl;

/// Scenario-specific facts for one workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Details {
    Batch(BatchDetails),
    Request(RequestDetails),
    /// A capacity plan in the workload's one region.
    Capacity(CapacityDetail),
    /// A capacity plan per region the workload ran in.
    Regions(Vec<CapacityDetail>),
    Caching(CachingDetails),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchDetails {
    pub batch_eligible_invocations: u64,
    pub invocations: u64,
    pub eligible_streaming_invocations: u64,
    pub eligible_share_pct: Option<Num>,
    pub unchanged_invocations: u64,
    pub prices: Vec<RatesUsed>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestDetails {
    pub unchanged_invocations: u64,
    pub partly_applied_invocations: u64,
    pub prices: Vec<RatesUsed>,
}

/// Provisioned units or a reservation in one region, or why the workload keeps its cost there.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CapacityDetail {
    Sized(SizedDetail),
    Unchanged(UnchangedDetail),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SizedDetail {
    #[serde(flatten)]
    pub plan: CapacityPlan,
    pub model: String,
    pub region: String,
    pub fixed_usd: Usd6,
    pub overflow_usd: Usd6,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CapacityPlan {
    Provisioned(ProvisionedPlan),
    Reserved(Reserved),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionedPlan {
    #[serde(flatten)]
    pub sizing: Sizing,
    /// A term's whole commitment (the period shows it pro rata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub term_commitment_usd: Option<Usd6>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnchangedDetail {
    pub region: String,
    pub unchanged_invocations: u64,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CachingDetails {
    pub cache_reads: u64,
    pub cache_writes: u64,
    pub prices: Vec<RatesUsed>,
}

impl Details {
    /// The entry a short note describes: a capacity plan that was sized (the first region with
    /// units or a reservation), else the first.
    pub fn main(&self) -> Option<&CapacityDetail> {
        match self {
            Details::Capacity(c) => Some(c),
            Details::Regions(v) => v
                .iter()
                .find(|c| matches!(c, CapacityDetail::Sized(_)))
                .or(v.first()),
            _ => None,
        }
    }
}

/// Every assumption a scenario's numbers rest on.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Assumptions {
    Request(RequestAssumptions),
    Provisioned(ProvisionedAssumptions),
    Reserved(ReservedAssumptions),
    Caching(CachingAssumptions),
}

/// Why a scenario has no result: a mode the models are not offered, or a figure the input
/// cannot give (with what to pass).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotComputed {
    pub status: NotComputedStatus,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotComputedStatus {
    /// The mode does not exist for these models (no such rate in the catalog).
    NotApplicable,
    /// The input or the settings cannot give the figure.
    NotMeasurable,
}

impl NotComputedStatus {
    pub fn label(self) -> &'static str {
        match self {
            NotComputedStatus::NotApplicable => "n/a",
            NotComputedStatus::NotMeasurable => "not measurable",
        }
    }
}

/// Reasons with their counts: what the user can act on (`pass --...`) first, then by count.
pub fn actionable_first(reasons: &BTreeMap<String, u64>) -> Vec<(&String, &u64)> {
    let mut v: Vec<(&String, &u64)> = reasons.iter().collect();
    v.sort_by_key(|(why, n)| (!why.contains("pass --"), std::cmp::Reverse(**n)));
    v
}

impl Assumptions {
    /// Why the scenario has no result, when it applies to none of the `invocations` it
    /// covers: every one kept its baseline cost, or (measured caching) no request has a
    /// prompt body to find repeated prefixes in.
    pub fn not_computed(&self, invocations: u64) -> Option<NotComputed> {
        if invocations == 0 {
            return None;
        }
        if let Assumptions::Caching(c) = self {
            return (c.requests_with_prompt_body == 0).then(|| NotComputed {
                status: NotComputedStatus::NotMeasurable,
                reason: "no priced request in scope has a prompt body in its log record (text data delivery is off in the invocation-logging configuration, or the bodies are in a large-data location that was not read): turn text delivery on, or assume a hit rate with `-s cache-rate --cache-hit-rate RATE`".into(),
            });
        }
        let unchanged = self.unchanged();
        if unchanged.values().sum::<u64>() < invocations {
            return None;
        }
        let reasons = actionable_first(unchanged);
        let (first, _) = reasons[0];
        let reason = match reasons.len() {
            1 => first.clone(),
            n => format!(
                "{first}; and {} more reason(s) (all in --format json)",
                n - 1
            ),
        };
        Some(NotComputed {
            status: match self {
                Assumptions::Request(_) => NotComputedStatus::NotApplicable,
                _ => NotComputedStatus::NotMeasurable,
            },
            reason,
        })
    }

    /// Invocations left as they ran, by reason.
    pub fn unchanged(&self) -> &BTreeMap<String, u64> {
        match self {
            Assumptions::Request(a) => &a.unchanged_invocations,
            Assumptions::Provisioned(a) => &a.unchanged_invocations,
            Assumptions::Reserved(a) => &a.unchanged_invocations,
            Assumptions::Caching(a) => &a.unchanged_invocations,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestAssumptions {
    pub tier: Tier,
    pub prices: &'static str,
    #[serde(flatten)]
    pub batch: Option<BatchAssumptions>,
    #[serde(flatten)]
    pub profile: Option<ProfileAssumptions>,
    #[serde(flatten)]
    pub swaps: Option<SwapAssumptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheRate>,
    pub unchanged_invocations: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub partly_applied_invocations: BTreeMap<String, u64>,
    pub prices_used: Vec<RatesUsed>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchAssumptions {
    pub batch_eligibility: String,
    pub eligible_share_pct: Option<Num>,
    pub batch_eligible_invocations: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileAssumptions {
    pub profile: Profile,
    pub what_changes: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SwapAssumptions {
    pub swaps: Vec<Swap>,
    pub swap_effect: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionedAssumptions {
    pub term: Term,
    pub commitment: &'static str,
    pub hourly_price: &'static str,
    pub billed_hours: &'static str,
    pub period_minutes: u64,
    /// Model key -> the figure used and where it came from.
    pub tpm_per_unit: BTreeMap<String, String>,
    pub size_percentile: u32,
    pub tokens_counted: &'static str,
    pub overflow: &'static str,
    pub break_even: &'static str,
    pub sizing: Vec<SizedDetail>,
    pub unchanged_invocations: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReservedAssumptions {
    pub prices: &'static str,
    pub sizing: Vec<SizedDetail>,
    pub sizing_rule: &'static str,
    pub size_percentile: u32,
    pub period_minutes: u64,
    pub months: &'static str,
    pub overflow: &'static str,
    pub unchanged_invocations: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CachingAssumptions {
    pub ttl: CacheTtl,
    pub prices_used: Vec<RatesUsed>,
    pub prefix: &'static str,
    pub prefix_tokens: &'static str,
    pub min_prefix_tokens: &'static str,
    pub replay: &'static str,
    pub cached_applications: &'static str,
    pub repeated_prefixes: u64,
    pub unprofitable_prefixes: u64,
    pub cache_reads: u64,
    pub cache_writes: u64,
    pub cache_read_tokens: u64,
    pub cache_write_tokens: u64,
    /// Priced requests with a prompt body the estimate could read.
    pub requests_with_prompt_body: u64,
    /// Always empty: requests the replay leaves uncached are in the baseline as they ran.
    #[serde(skip)]
    pub unchanged_invocations: BTreeMap<String, u64>,
}

/// The per-1M-token rates of one price row as a scenario applies them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatesPerMillion {
    pub input: Option<Num>,
    pub output: Option<Num>,
    pub cache_read: Option<Num>,
    pub cache_write_5m: Option<Num>,
    pub cache_write_1h: Option<Num>,
}

/// A price row a scenario used for a model in a region, with its source; or none found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum RatesUsed {
    Priced {
        model: String,
        region: String,
        scope: &'static str,
        usd_per_1m_tokens: RatesPerMillion,
        source: String,
        as_of: String,
    },
    NoPrice {
        model: String,
        region: String,
        /// Always null: no row prices the model there.
        price: Option<()>,
    },
}
