//! Provisioned throughput and the reserved tier: capacity sized from a workload's per-minute
//! token peak (model units at an hourly price per term; or reserved input and output
//! tokens-per-minute at a monthly price), overflow above capacity priced on demand,
//! utilisation and break-even.
//!
//! Per-minute bins are the only state (bounded by minutes x workloads, never by requests).

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{percent, round_dp, Num, Pico};
use crate::pricing::PriceRow;

use super::spec::Term;

/// Tokens per minute of one workload in one region: (input incl. cache, output).
#[derive(Debug, Clone, Default)]
pub struct Bins {
    pub minutes: HashMap<i64, (u64, u64)>,
    pub tokens: u64,
    pub calls: u64,
    /// On-demand cost of those tokens (the baseline).
    pub baseline: Pico,
    /// The input side (input and cache tokens) of the tokens and their cost.
    pub input_tokens: u64,
    pub input_cost: Pico,
    pub model: usize,
    /// The price scope the reserved tier is bought at: the lowest (regional before geo before
    /// global) the workload used here, whatever order the files were read in.
    pub scope: Option<crate::pricing::Scope>,
}

impl Bins {
    /// One request: its input-side and output tokens and their on-demand costs.
    pub fn add(
        &mut self,
        minute: i64,
        (input, input_cost): (u64, Pico),
        (output, output_cost): (u64, Pico),
    ) {
        let m = self.minutes.entry(minute).or_default();
        m.0 += input;
        m.1 += output;
        self.tokens += input + output;
        self.calls += 1;
        self.baseline += input_cost + output_cost;
        self.input_tokens += input;
        self.input_cost += input_cost;
    }

    /// A metrics bucket of `calls` calls over `minutes` minutes from `first`: its tokens spread
    /// evenly over those minutes (what a sum over a period can say about the per-minute load).
    pub fn add_spread(
        &mut self,
        first: i64,
        minutes: u64,
        calls: u64,
        (input, input_cost): (u64, Pico),
        (output, output_cost): (u64, Pico),
    ) {
        let n = minutes.max(1);
        for i in 0..n {
            // The remainder goes to the first minutes, one token each.
            let share = |t: u64| t / n + u64::from(i < t % n);
            let m = self.minutes.entry(first + i as i64).or_default();
            m.0 += share(input);
            m.1 += share(output);
        }
        self.tokens += input + output;
        self.calls += calls;
        self.baseline += input_cost + output_cost;
        self.input_tokens += input;
        self.input_cost += input_cost;
    }

    pub fn merge(&mut self, o: Bins) {
        for (m, (i, out)) in o.minutes {
            let mine = self.minutes.entry(m).or_default();
            mine.0 += i;
            mine.1 += out;
        }
        self.tokens += o.tokens;
        self.calls += o.calls;
        self.baseline += o.baseline;
        self.input_tokens += o.input_tokens;
        self.input_cost += o.input_cost;
        self.scope = match (self.scope, o.scope) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.model = o.model;
    }
}

/// How a workload would run on provisioned throughput.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sizing {
    pub units: u64,
    pub tpm_per_unit: u64,
    /// Busiest minute's tokens.
    pub peak_tpm: u64,
    /// The per-minute token count the units were sized for (the percentile asked for).
    pub sized_tpm: u64,
    pub hourly_usd: Num,
    pub hours: u64,
    /// Units x hourly price x hours.
    #[serde(skip)]
    pub fixed: Pico,
    pub overflow_tokens: u64,
    /// Overflow priced on demand: its share of the workload's tokens times its on-demand cost.
    #[serde(skip)]
    pub overflow: Pico,
    /// Tokens served by the units / their capacity over the period, percent (1 decimal).
    pub utilisation_pct: Num,
    /// Utilisation at which the units cost what the same tokens cost on demand, percent.
    pub break_even_utilisation_pct: Option<Num>,
}

#[cfg(test)]
impl Sizing {
    fn cost(&self) -> Pico {
        self.fixed + self.overflow
    }
}

pub fn hourly(row: &PriceRow, term: Term) -> Option<Decimal> {
    match term {
        Term::NoCommitment => row.provisioned_no_commit_hour,
        Term::OneMonth => row.provisioned_1_month_hour,
        Term::SixMonths => row.provisioned_6_month_hour,
    }
}

fn dec(n: i128) -> Option<Decimal> {
    Decimal::try_from_i128_with_scale(n, 0).ok()
}

/// Sizes units for the `percentile` (1-100) of the busy minutes' token counts.
pub fn size(
    b: &Bins,
    hourly_usd: Decimal,
    tpm_per_unit: u64,
    percentile: u32,
    period_minutes: u64,
) -> Sizing {
    let per_minute: Vec<u64> = b.minutes.values().map(|(i, o)| i + o).collect();
    let (peak_tpm, sized_tpm) = peak_and_percentile(per_minute.clone(), percentile);
    let tpm_per_unit = tpm_per_unit.max(1);
    let units = sized_tpm.div_ceil(tpm_per_unit).max(1);
    let capacity = units * tpm_per_unit;
    let overflow_tokens: u64 = per_minute.iter().map(|&t| t.saturating_sub(capacity)).sum();
    let hours = period_minutes.div_ceil(60);
    let hourly_pico = Pico::from_usd(hourly_usd).0;
    let fixed = Pico(hourly_pico * units as i128 * hours as i128);
    let share = |tokens: u64| share_of(b, tokens);
    let overflow = share(overflow_tokens);
    let served = b.tokens - overflow_tokens;
    let capacity_tokens = capacity as u128 * period_minutes as u128;
    let utilisation_pct = percent(served as i128, capacity_tokens as i128).unwrap_or_default();
    // On demand, the served tokens cost share(served); at utilisation u they would cost
    // share(served) * u / utilisation. Break-even: that equals the fixed cost, so
    // u* = utilisation x fixed / share(served). Divided first so nothing overflows.
    let on_demand_served = share(served).0;
    let break_even_utilisation_pct = (|| {
        let cost_ratio = dec(fixed.0)?.checked_div(dec(on_demand_served)?)?;
        let util = dec(served as i128)?.checked_div(dec(capacity_tokens as i128)?)?;
        Some(Num(round_dp(
            cost_ratio
                .checked_mul(util)?
                .checked_mul(Decimal::from(100))?,
            1,
        )))
    })();
    Sizing {
        units,
        tpm_per_unit,
        peak_tpm,
        sized_tpm,
        hourly_usd: Num(hourly_usd),
        hours,
        fixed,
        overflow_tokens,
        overflow,
        utilisation_pct,
        break_even_utilisation_pct,
    }
}

/// The busiest minute and the `percentile` (1-100) of the busy minutes.
fn peak_and_percentile(mut per_minute: Vec<u64>, percentile: u32) -> (u64, u64) {
    per_minute.sort_unstable();
    let n = per_minute.len();
    if n == 0 {
        return (0, 0);
    }
    let idx = (n * percentile as usize).div_ceil(100).clamp(1, n) - 1;
    (per_minute[n - 1], per_minute[idx])
}

/// `tokens`' share of the workload's on-demand cost.
fn share_of(b: &Bins, tokens: u64) -> Pico {
    pro_rata(b.baseline, b.tokens, tokens)
}

/// `part` of `whole` tokens that cost `cost`, to the pico-dollar.
fn pro_rata(cost: Pico, whole: u64, part: u64) -> Pico {
    if whole == 0 {
        Pico(0)
    } else {
        Pico((cost.0 * part as i128 + whole as i128 / 2) / whole as i128)
    }
}

/// Smallest reserved-tier commitment (facts sheet): 100K input and 10K output tokens per minute.
pub const RESERVED_MIN_INPUT_TPM: u64 = 100_000;
pub const RESERVED_MIN_OUTPUT_TPM: u64 = 10_000;
/// Hours in the average month (8,760 / 12), to prorate a monthly price over the period.
pub const HOURS_PER_MONTH: u64 = 730;

/// The reserved tier for one workload: input and output tokens-per-minute reserved in 1K steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reserved {
    pub input_tpm: u64,
    pub output_tpm: u64,
    pub peak_input_tpm: u64,
    pub peak_output_tpm: u64,
    pub input_usd_per_1k_tpm_month: Num,
    pub output_usd_per_1k_tpm_month: Num,
    /// Months of the period (hours / 730).
    pub months: Num,
    #[serde(skip)]
    pub fixed: Pico,
    pub overflow_tokens: u64,
    #[serde(skip)]
    pub overflow: Pico,
}

#[cfg(test)]
impl Reserved {
    fn cost(&self) -> Pico {
        self.fixed + self.overflow
    }
}

pub fn size_reserved(
    b: &Bins,
    input_price: Decimal,
    output_price: Decimal,
    percentile: u32,
    period_minutes: u64,
) -> Reserved {
    let (peak_in, sized_in) =
        peak_and_percentile(b.minutes.values().map(|m| m.0).collect(), percentile);
    let (peak_out, sized_out) =
        peak_and_percentile(b.minutes.values().map(|m| m.1).collect(), percentile);
    let input_tpm = (sized_in.div_ceil(1000) * 1000).max(RESERVED_MIN_INPUT_TPM);
    let output_tpm = (sized_out.div_ceil(1000) * 1000).max(RESERVED_MIN_OUTPUT_TPM);
    let over_in: u64 = b
        .minutes
        .values()
        .map(|(i, _)| i.saturating_sub(input_tpm))
        .sum();
    let over_out: u64 = b
        .minutes
        .values()
        .map(|(_, o)| o.saturating_sub(output_tpm))
        .sum();
    let overflow_tokens = over_in + over_out;
    // Input overflow at the workload's on-demand input-side cost per token, output at output's.
    let overflow = pro_rata(b.input_cost, b.input_tokens, over_in)
        + pro_rata(
            Pico(b.baseline.0 - b.input_cost.0),
            b.tokens - b.input_tokens,
            over_out,
        );
    let months = Decimal::from(period_minutes) / Decimal::from(HOURS_PER_MONTH * 60);
    let monthly = Decimal::from(input_tpm / 1000) * input_price
        + Decimal::from(output_tpm / 1000) * output_price;
    let fixed = Pico::from_usd(monthly * months);
    Reserved {
        input_tpm,
        output_tpm,
        peak_input_tpm: peak_in,
        peak_output_tpm: peak_out,
        input_usd_per_1k_tpm_month: Num(input_price),
        output_usd_per_1k_tpm_month: Num(output_price),
        months: Num(round_dp(months, 4)),
        fixed,
        overflow_tokens,
        overflow,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 busy minutes of 10,000 tokens and one of 40,000, half input and half output, at
    /// $0.72/1M (Llama 3.1 70B in and out): 640,000 tokens, $0.4608.
    fn llama_hour() -> Bins {
        let mut b = Bins::default();
        for m in 0..60 {
            b.add(
                m,
                (5_000, Pico(3_600_000_000)),
                (5_000, Pico(3_600_000_000)),
            );
        }
        b.add(
            60,
            (20_000, Pico(14_400_000_000)),
            (20_000, Pico(14_400_000_000)),
        );
        b
    }

    #[test]
    fn sizes_for_peak_and_breaks_even() {
        // 60 busy minutes of 10,000 tokens and one of 40,000; on demand $0.72/1M (Llama 3.1 70B
        // in and out): 640,000 tokens -> $0.4608.
        let b = llama_hour();
        assert_eq!(b.baseline, Pico(460_800_000_000));
        // Period: one day (1,440 minutes, 24 hours) at $21.18/hour, 25,000 TPM per unit.
        let s = size(&b, Decimal::new(2118, 2), 25_000, 100, 1440);
        // Peak 40,000 -> 2 units; 2 x $21.18 x 24 h = $1,016.64; no overflow.
        assert_eq!((s.units, s.peak_tpm, s.overflow_tokens), (2, 40_000, 0));
        assert_eq!(s.cost(), Pico(1_016_640_000_000_000));
        // Utilisation 640,000 / (50,000 x 1,440) = 0.888...% -> 0.9%
        assert_eq!(s.utilisation_pct, Num(Decimal::new(9, 1)));
        // Break-even: 0.888..% x $1,016.64 / $0.4608 = 1,961.1%: never pays off at this volume.
        assert_eq!(
            s.break_even_utilisation_pct,
            Some(Num(Decimal::new(19611, 1)))
        );
    }

    #[test]
    fn a_busy_month_does_not_overflow() {
        // 300,000 tokens every minute of October (44,640 minutes), $0.72/1M on demand.
        let mut b = Bins::default();
        for m in 0..44_640 {
            b.add(
                m,
                (150_000, Pico(108_000_000_000)),
                (150_000, Pico(108_000_000_000)),
            );
        }
        // 20,000 TPM per unit -> 15 units; 15 x $21.18 x 744 h = $236,368.80
        let s = size(&b, Decimal::new(2118, 2), 20_000, 100, 44_640);
        assert_eq!(s.units, 15);
        assert_eq!(s.fixed, Pico(236_368_800_000_000_000));
        // served = capacity: 100% utilised; on demand 13.392e9 tokens x $0.72/1M = $9,642.24,
        // so break-even at 100% x 236,368.80 / 9,642.24 = 2,451.4%
        assert_eq!(s.utilisation_pct, Num(Decimal::from(100)));
        assert_eq!(
            s.break_even_utilisation_pct,
            Some(Num(Decimal::new(24514, 1)))
        );
    }

    #[test]
    fn overflow_goes_on_demand() {
        let b = llama_hour();
        // p50 of the busy minutes is 10,000 -> 1 unit of 25,000; the 40,000 minute overflows by
        // 15,000 tokens: 15,000/640,000 of $0.4608 = $0.0108 on demand.
        let s = size(&b, Decimal::new(2400, 2), 25_000, 50, 60);
        assert_eq!(
            (s.units, s.sized_tpm, s.overflow_tokens),
            (1, 10_000, 15_000)
        );
        assert_eq!(s.overflow, Pico(10_800_000_000));
        // 1 unit x $24 x 1 h + $0.0108
        assert_eq!(s.cost(), Pico(24_010_800_000_000));
        // served 625,000 of 25,000 x 60 = 1,500,000 -> 41.7%
        assert_eq!(s.utilisation_pct, Num(Decimal::new(417, 1)));
    }

    #[test]
    fn reserved_tier_has_minimums_and_prorates() {
        // 30 busy minutes of 50,000 input + 4,000 output tokens, one of 150,500 + 12,300, at
        // $1/1M input and $5/1M output on demand.
        let mut b = Bins::default();
        for m in 0..30 {
            b.add(
                m,
                (50_000, Pico(50_000_000_000)),
                (4_000, Pico(20_000_000_000)),
            );
        }
        b.add(
            30,
            (150_500, Pico(150_500_000_000)),
            (12_300, Pico(61_500_000_000)),
        );
        // Peak 150,500 in -> 151K reserved; 12,300 out -> 13K. Period: 730 h = 1 month.
        // $2 per 1K input TPM-month, $10 per 1K output: 151 x $2 + 13 x $10 = $432
        let r = size_reserved(&b, Decimal::from(2), Decimal::from(10), 100, 730 * 60);
        assert_eq!(
            (r.input_tpm, r.output_tpm, r.overflow_tokens),
            (151_000, 13_000, 0)
        );
        assert_eq!(r.cost(), Pico(432_000_000_000_000));
        // p50 sizes for the ordinary minute: the 100K/10K minimums apply; the big minute
        // overflows by 50,500 input and 2,300 output tokens, on demand at their own rates:
        // 50,500 x $1/1M + 2,300 x $5/1M = $0.0505 + $0.0115 = $0.062.
        // Half a month (365 h): (100 x $2 + 10 x $10) / 2 = $150
        let r = size_reserved(&b, Decimal::from(2), Decimal::from(10), 50, 365 * 60);
        assert_eq!(
            (r.input_tpm, r.output_tpm, r.overflow_tokens),
            (100_000, 10_000, 52_800)
        );
        assert_eq!(r.fixed, Pico(150_000_000_000_000));
        assert_eq!(r.overflow, Pico(62_000_000_000));
    }
}
