//! One row of a plan and its parts: the inference mode it prices, whether it could be
//! priced, its monthly costs (exact and as shown), provisioned sizing and break-even.

use serde::Serialize;

use crate::money::{Num, Pico, Usd6};
use crate::pricing::{CacheTtl, Scope};
use crate::scenarios::spec::Term;

/// An inference mode a row prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Mode {
    OnDemand { scope: Scope },
    Batch,
    Flex,
    Priority,
    Caching { ttl: CacheTtl },
    Provisioned { term: TermName },
}

/// A provisioned-throughput term, as a row names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermName {
    NoCommitment,
    OneMonth,
    SixMonths,
}

impl TermName {
    pub(super) fn term(self) -> Term {
        match self {
            TermName::NoCommitment => Term::NoCommitment,
            TermName::OneMonth => Term::OneMonth,
            TermName::SixMonths => Term::SixMonths,
        }
    }
}

impl Mode {
    pub fn label(self) -> String {
        match self {
            Mode::OnDemand { scope } => match scope {
                Scope::Regional => "on-demand in-region".into(),
                Scope::Geo => "on-demand geo profile".into(),
                Scope::Global => "on-demand global profile".into(),
            },
            Mode::Batch => "batch".into(),
            Mode::Flex => "flex tier".into(),
            Mode::Priority => "priority tier".into(),
            Mode::Caching { ttl } => format!(
                "prompt caching {}",
                match ttl {
                    CacheTtl::FiveMinutes => "5m",
                    CacheTtl::OneHour => "1h",
                }
            ),
            Mode::Provisioned { term } => format!("provisioned, {}", term.term().label()),
        }
    }
}

/// Whether a row could be priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Priced,
    /// The catalog lists no rate for the mode there: AWS does not offer it (or we do not know).
    NotOffered,
    /// Could be offered, but the description lacks what the figure needs.
    NotMeasurable,
}

/// Provisioned throughput sized from the stated peak.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionedSizing {
    pub units: u64,
    pub tpm_per_unit: u64,
    /// Where the tokens-per-minute figure came from.
    pub tpm_source: String,
    pub peak_tpm: u64,
    pub hourly_usd: Num,
    /// One unit for a month (730 hours).
    pub unit_month_usd: Usd6,
    pub break_even: BreakEven,
}

/// The traffic at which provisioned units cost what on demand costs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum BreakEven {
    /// On demand costs what the units sized for today's peak cost at this traffic (below 1x
    /// today: the units are already cheaper).
    At {
        /// Average requests per minute.
        requests_per_minute: Num,
        /// Multiple of today's traffic.
        times_today: Num,
    },
    /// One unit at full use, at this workload's peak-to-average, serves less on-demand spend
    /// than it costs: provisioned never breaks even for this shape.
    Never { reason: String },
}

/// One model x region x mode of a workload.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub model: String,
    pub model_id: String,
    pub region: String,
    #[serde(flatten)]
    pub mode: Mode,
    pub label: String,
    pub status: Status,
    /// Monthly cost at each horizon (`HORIZONS`), when priced.
    pub monthly_usd: Vec<Usd6>,
    /// Why it is not priced, or what it rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The change against the same model's on-demand cost as named (negative: cheaper), now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_on_demand_pct: Option<Num>,
    /// The row the description itself names (the model as named, caching as used today).
    pub as_described: bool,
    /// Whether it meets the workload's constraints (latency, streaming).
    pub meets_constraints: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded_because: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioned: Option<ProvisionedSizing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prices: Option<PriceSource>,
    /// The monthly costs per horizon, exact (for sorting) and as shown.
    #[serde(skip)]
    pub costs: Vec<Cost>,
}

impl Row {
    /// The exact monthly cost now, when priced.
    pub fn now(&self) -> Option<Pico> {
        self.costs.first().map(|c| c.exact)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceSource {
    pub source: String,
    pub as_of: String,
    pub scope: Scope,
}

/// A monthly cost: exact, and as shown (each kind of token rounded to the micro-dollar, then
/// summed, as `report` rounds a row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cost {
    pub exact: Pico,
    pub shown: Usd6,
}

impl Cost {
    pub(super) fn fixed(p: Pico) -> Cost {
        Cost {
            exact: p,
            shown: p.to_usd6(),
        }
    }
}
