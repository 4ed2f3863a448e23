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
    Batch { scope: Scope },
    Flex { scope: Scope },
    Priority { scope: Scope },
    Caching { ttl: CacheTtl, scope: Scope },
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

/// How a row names a price scope: `in-region`, `geo profile`, `global profile`.
fn scope_words(s: Scope) -> &'static str {
    match s {
        Scope::Regional => "in-region",
        Scope::Geo => "geo profile",
        Scope::Global => "global profile",
    }
}

impl Mode {
    pub fn label(self) -> String {
        match self {
            Mode::OnDemand { scope } => format!("on-demand {}", scope_words(scope)),
            Mode::Batch { scope } => format!("batch {}", scope_words(scope)),
            Mode::Flex { scope } => format!("flex {}", scope_words(scope)),
            Mode::Priority { scope } => format!("priority {}", scope_words(scope)),
            Mode::Caching { ttl, scope } => format!(
                "caching {} {}",
                match ttl {
                    CacheTtl::FiveMinutes => "5m",
                    CacheTtl::OneHour => "1h",
                },
                scope_words(scope)
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
    /// Units at each horizon, as traffic grows.
    pub units_by_horizon: Vec<u64>,
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
    /// From this traffic on, provisioned (units sized for the peak) stays cheaper than on demand
    /// in-region.
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
    /// Not offered because the catalog lists no such rate (not because of the workload): a
    /// table lists these under itself rather than as rows.
    #[serde(skip)]
    pub catalog_gap: bool,
}

impl Row {
    /// A priced row with nothing in it yet.
    pub fn blank(model: &str, model_id: &str, region: &str, mode: Mode) -> Row {
        Row {
            model: model.to_string(),
            model_id: model_id.to_string(),
            region: region.to_string(),
            mode,
            label: mode.label(),
            status: Status::Priced,
            monthly_usd: vec![],
            note: None,
            vs_on_demand_pct: None,
            as_described: false,
            meets_constraints: true,
            excluded_because: None,
            provisioned: None,
            prices: None,
            costs: vec![],
            catalog_gap: false,
        }
    }

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
