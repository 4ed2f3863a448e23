//! Provisioned throughput and the reserved tier: capacity sized from a workload's per-minute
//! token peak (model units at an hourly price per term; or reserved input and output
//! tokens-per-minute at a monthly price), overflow above capacity priced on demand,
//! utilisation and break-even.
//!
//! Per-minute bins are the only state (bounded by minutes x workloads, never by requests).

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{Num, Pico};
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
    pub model: usize,
}

impl Bins {
    pub fn add(&mut self, minute: i64, input: u64, output: u64, cost: Pico) {
        let m = self.minutes.entry(minute).or_default();
        m.0 += input;
        m.1 += output;
        self.tokens += input + output;
        self.calls += 1;
        self.baseline += cost;
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

impl Sizing {
    pub fn cost(&self) -> Pico {
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

fn pct(num: u128, den: u128) -> Decimal {
    if den == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(num) * Decimal::from(100) / Decimal::from(den)).round_dp(1)
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
    let units = sized_tpm.div_ceil(tpm_per_unit).max(1);
    let capacity = units * tpm_per_unit;
    let overflow_tokens: u64 = per_minute.iter().map(|&t| t.saturating_sub(capacity)).sum();
    let hours = period_minutes.div_ceil(60);
    let hourly_pico = (hourly_usd * Decimal::from(1_000_000_000_000u64))
        .round()
        .mantissa();
    let fixed = Pico(hourly_pico * units as i128 * hours as i128);
    let share = |tokens: u64| share_of(b, tokens);
    let overflow = share(overflow_tokens);
    let served = b.tokens - overflow_tokens;
    let capacity_tokens = capacity as u128 * period_minutes as u128;
    let utilisation_pct = pct(served as u128, capacity_tokens);
    // On demand, the served tokens cost share(served); at utilisation u they would cost
    // share(served) * u / utilisation. Break-even: that equals the fixed cost.
    let on_demand_served = share(served).0;
    let break_even_utilisation_pct = (on_demand_served > 0)
        .then(|| {
            (Decimal::from(fixed.0) * Decimal::from(served) * Decimal::from(100)
                / (Decimal::from(on_demand_served) * Decimal::from(capacity_tokens as u64)))
            .round_dp(1)
        })
        .map(Num);
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
        utilisation_pct: Num(utilisation_pct),
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
    if b.tokens == 0 {
        Pico(0)
    } else {
        Pico((b.baseline.0 * tokens as i128 + b.tokens as i128 / 2) / b.tokens as i128)
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

impl Reserved {
    pub fn cost(&self) -> Pico {
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
    let overflow_tokens: u64 = b
        .minutes
        .values()
        .map(|(i, o)| i.saturating_sub(input_tpm) + o.saturating_sub(output_tpm))
        .sum();
    let months = Decimal::from(period_minutes) / Decimal::from(HOURS_PER_MONTH * 60);
    let monthly = Decimal::from(input_tpm / 1000) * input_price
        + Decimal::from(output_tpm / 1000) * output_price;
    let fixed = (monthly * months * Decimal::from(1_000_000_000_000u64)).round();
    Reserved {
        input_tpm,
        output_tpm,
        peak_input_tpm: peak_in,
        peak_output_tpm: peak_out,
        input_usd_per_1k_tpm_month: Num(input_price),
        output_usd_per_1k_tpm_month: Num(output_price),
        months: Num(months.round_dp(4)),
        fixed: Pico(fixed.mantissa()),
        overflow_tokens,
        overflow: share_of(b, overflow_tokens),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_peak_and_breaks_even() {
        // 60 busy minutes of 10,000 tokens and one of 40,000; on demand $0.72/1M (Llama 3.1 70B
        // in and out): 640,000 tokens -> $0.4608.
        let mut b = Bins::default();
        for m in 0..60 {
            b.add(m, 5_000, 5_000, Pico(7_200_000_000));
        }
        b.add(60, 20_000, 20_000, Pico(28_800_000_000));
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
    fn overflow_goes_on_demand() {
        let mut b = Bins::default();
        for m in 0..60 {
            b.add(m, 5_000, 5_000, Pico(7_200_000_000));
        }
        b.add(60, 20_000, 20_000, Pico(28_800_000_000));
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
        // 30 busy minutes of 50,000 input + 4,000 output tokens, one of 150,500 + 12,300.
        let mut b = Bins::default();
        for m in 0..30 {
            b.add(m, 50_000, 4_000, Pico(1_000_000_000_000));
        }
        b.add(30, 150_500, 12_300, Pico(3_000_000_000_000));
        // Peak 150,500 in -> 151K reserved; 12,300 out -> 13K. Period: 730 h = 1 month.
        // $2 per 1K input TPM-month, $10 per 1K output: 151 x $2 + 13 x $10 = $432
        let r = size_reserved(&b, Decimal::from(2), Decimal::from(10), 100, 730 * 60);
        assert_eq!(
            (r.input_tpm, r.output_tpm, r.overflow_tokens),
            (151_000, 13_000, 0)
        );
        assert_eq!(r.cost(), Pico(432_000_000_000_000));
        // p50 sizes for the ordinary minute: the 100K/10K minimums apply; the big minute
        // overflows by 50,500 + 2,300 = 52,800 tokens of 1,782,800: x $33 on demand = $0.9773390...
        // Half a month (365 h): (100 x $2 + 10 x $10) / 2 = $150
        let r = size_reserved(&b, Decimal::from(2), Decimal::from(10), 50, 365 * 60);
        assert_eq!(
            (r.input_tpm, r.output_tpm, r.overflow_tokens),
            (100_000, 10_000, 52_800)
        );
        assert_eq!(r.fixed, Pico(150_000_000_000_000));
        // 33 x 52,800 / 1,782,800 = 1,742,400 / 1,782,800 = $0.977339017276 (to the pico)
        assert_eq!(r.overflow, Pico(977_339_017_276));
    }
}
