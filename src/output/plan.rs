//! The `plan` document (`bedrock-lens/plan/v1`): each described workload, its rows of model x
//! region x inference mode with monthly costs now and after growth, the cheapest row that meets
//! its constraints, and every assumption it rests on.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{round_dp, Num, Usd6};
use crate::scenarios::plan::describe::WorkloadSpec;
use crate::scenarios::plan::{rows, Options, Row, Status, Workload, HORIZONS, MONTH_MINUTES};

pub const SCHEMA: &str = "bedrock-lens/plan/v1";

/// Where the workload descriptions came from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DescribedBy {
    Flags,
    File { path: String },
    Logs { first_day: String, last_day: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub schema: &'static str,
    /// The day whose prices apply.
    pub price_date: String,
    pub catalog_as_of: Option<String>,
    /// Months ahead each `monthly_usd` entry is priced at.
    pub horizons_months: Vec<u32>,
    pub month_hours: u64,
    pub described_by: DescribedBy,
    pub workloads: Vec<WorkloadPlan>,
    /// Sums over the workloads, per horizon.
    pub totals: Totals,
    /// Models in the logs the catalog cannot price: left out of the derived descriptions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<crate::output::report::UnpricedEntry>,
    /// Flags the run was priced with that a plan file does not hold (`--tpm-per-unit`): said in
    /// the plan file, to pass again.
    #[serde(skip)]
    pub repeat_flags: Vec<String>,
    /// The descriptions, as a plan file would hold them (`--format toml`).
    #[serde(skip)]
    pub specs: Vec<WorkloadSpec>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    /// Each workload's first candidate in its first region, as described (the sum of the rows
    /// shown); null when no workload can be priced as described.
    pub as_described_usd: Option<Vec<Usd6>>,
    /// Each workload's cheapest row that meets its constraints at each horizon (workloads
    /// without one are counted as described).
    pub cheapest_usd: Option<Vec<Usd6>>,
    /// Workloads whose description cannot be priced (no price for the model as named in its
    /// region): left out of both totals, never counted as $0.
    pub not_priced: Vec<String>,
}

/// How a workload's input tokens were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenSource {
    Stated,
    /// Counted by Bedrock's CountTokens from sample prompts.
    Counted,
    /// Estimated from the size of sample prompts (no CountTokens).
    Estimated,
    /// Counted for some models, estimated for others.
    Mixed,
}

#[derive(Debug, Clone, Serialize)]
pub struct Description {
    pub requests_per_month: u64,
    pub average_requests_per_minute: Num,
    pub peak_requests_per_minute: Option<Num>,
    pub input_tokens_mean: Num,
    pub input_tokens: String,
    pub input_token_source: TokenSource,
    pub output_tokens_mean: Num,
    pub cache_prefix_share: Option<Num>,
    pub cached_now: bool,
    pub streaming: bool,
    pub regions: Vec<String>,
    pub models: Vec<String>,
    pub growth_per_month_pct: Num,
    pub max_latency: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkloadPlan {
    pub name: String,
    pub description: Description,
    pub assumptions: Vec<String>,
    pub rows: Vec<Row>,
    /// Index in `rows` of the first candidate in the first region, as described.
    pub as_described: Option<usize>,
    /// Index in `rows` of the cheapest row that meets the constraints, now.
    pub cheapest: Option<usize>,
    /// The same at each horizon (growth can make another mode the cheapest).
    pub cheapest_by_horizon: Vec<Option<usize>>,
    /// What the cheapest at each horizon saves against as described (empty when the
    /// description cannot be priced).
    pub cheapest_saves_usd: Vec<Usd6>,
}

fn n(d: Decimal, dp: u32) -> Num {
    Num(round_dp(d, dp).normalize())
}

fn description(w: &Workload, source: TokenSource) -> Description {
    Description {
        requests_per_month: w.requests_per_month,
        average_requests_per_minute: n(
            Decimal::from(w.requests_per_month) / Decimal::from(MONTH_MINUTES),
            4,
        ),
        peak_requests_per_minute: w.peak_rpm.map(|p| n(p, 1)),
        input_tokens_mean: n(w.input.average(), 1),
        input_tokens: w.input.how.clone(),
        input_token_source: source,
        output_tokens_mean: n(w.output.average(), 1),
        cache_prefix_share: w.cache.map(|c| n(c.prefix_share, 4)),
        cached_now: w.cached_now.is_some(),
        streaming: w.streaming,
        regions: w.regions.clone(),
        models: w.candidates.iter().map(|c| c.id.clone()).collect(),
        growth_per_month_pct: n(w.growth * Decimal::from(100), 2),
        max_latency: w.latency.as_str(),
    }
}

/// Prices every workload and builds the document.
pub fn build(
    o: &Options,
    workloads: &[(Workload, TokenSource)],
    specs: Vec<WorkloadSpec>,
    described_by: DescribedBy,
    left_out: Vec<crate::output::report::UnpricedEntry>,
) -> Plan {
    let mut out = vec![];
    let zero = || vec![Usd6(0); HORIZONS.len()];
    let (mut described_total, mut cheapest_total) = (zero(), zero());
    let mut not_priced = vec![];
    for (w, source) in workloads {
        let mut all: Vec<Row> = vec![];
        for c in &w.candidates {
            for region in &w.regions {
                all.extend(rows(o, w, c, region));
            }
        }
        // As described: the first candidate, in the first region (other candidates' own
        // on-demand rows are only what their changes are measured against).
        let first = (
            w.candidates.first().map(|c| c.id.as_str()),
            w.regions.first(),
        );
        for r in &mut all {
            r.as_described &= (Some(r.model_id.as_str()), Some(&r.region)) == first;
        }
        let as_described = all.iter().position(|r| r.as_described);
        let cheapest_at = |h: usize| {
            all.iter()
                .enumerate()
                .filter(|(_, r)| r.status == Status::Priced && r.meets_constraints)
                .min_by_key(|(_, r)| r.costs.get(h).map(|c| c.exact))
                .map(|(i, _)| i)
        };
        let cheapest_by_horizon: Vec<Option<usize>> =
            (0..HORIZONS.len()).map(cheapest_at).collect();
        let cheapest = cheapest_by_horizon[0];
        let described: Option<&Row> = as_described
            .map(|i| &all[i])
            .filter(|r| r.status == Status::Priced);
        let mut cheapest_saves_usd = vec![];
        match described {
            None => not_priced.push(w.name.clone()),
            Some(d) => {
                for h in 0..HORIZONS.len() {
                    let best = cheapest_by_horizon[h].map_or(d, |i| &all[i]);
                    described_total[h].0 += d.monthly_usd[h].0;
                    cheapest_total[h].0 += best.monthly_usd[h].0;
                    cheapest_saves_usd.push(Usd6(d.monthly_usd[h].0 - best.monthly_usd[h].0));
                }
            }
        }
        let mut assumptions = w.assumptions.clone();
        assumptions.push(format!("input tokens: {}", w.input.how));
        if w.output.buckets.len() > 1 {
            assumptions.push(format!(
                "output tokens: {}; every input bucket gets the mean",
                w.output.how
            ));
        }
        out.push(WorkloadPlan {
            name: w.name.clone(),
            description: description(w, *source),
            assumptions,
            rows: all,
            as_described,
            cheapest,
            cheapest_by_horizon,
            cheapest_saves_usd,
        });
    }
    let any_priced = not_priced.len() < out.len();
    Plan {
        schema: SCHEMA,
        price_date: o.day.to_string(),
        catalog_as_of: o.catalog.as_of().map(|d| d.to_string()),
        horizons_months: HORIZONS.to_vec(),
        month_hours: crate::scenarios::provisioned::HOURS_PER_MONTH,
        described_by,
        workloads: out,
        totals: Totals {
            as_described_usd: any_priced.then_some(described_total),
            cheapest_usd: any_priced.then_some(cheapest_total),
            not_priced,
        },
        left_out,
        repeat_flags: vec![],
        specs,
    }
}
