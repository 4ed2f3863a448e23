//! Provisioned throughput: model units sized from a workload's per-minute token peak, the hourly
//! price of each term, overflow above capacity priced on demand, utilisation and break-even.
//!
//! Per-minute bins are the only state (bounded by minutes x workloads, never by requests).

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::money::{Num, Pico};
use crate::pricing::PriceRow;

use super::spec::Term;

/// Tokens per minute of one workload in one region.
#[derive(Debug, Clone, Default)]
pub struct Bins {
    pub minutes: HashMap<i64, u64>,
    pub tokens: u64,
    /// On-demand cost of those tokens (the baseline).
    pub baseline: Pico,
    pub model: usize,
}

impl Bins {
    pub fn add(&mut self, minute: i64, tokens: u64, cost: Pico) {
        *self.minutes.entry(minute).or_default() += tokens;
        self.tokens += tokens;
        self.baseline += cost;
    }

    pub fn merge(&mut self, o: Bins) {
        for (m, t) in o.minutes {
            *self.minutes.entry(m).or_default() += t;
        }
        self.tokens += o.tokens;
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
    let mut per_minute: Vec<u64> = b.minutes.values().copied().collect();
    per_minute.sort_unstable();
    let peak_tpm = per_minute.last().copied().unwrap_or(0);
    let n = per_minute.len();
    let sized_tpm = if n == 0 {
        0
    } else {
        let idx = (n * percentile as usize).div_ceil(100).clamp(1, n) - 1;
        per_minute[idx]
    };
    let units = sized_tpm.div_ceil(tpm_per_unit).max(1);
    let capacity = units * tpm_per_unit;
    let overflow_tokens: u64 = per_minute.iter().map(|&t| t.saturating_sub(capacity)).sum();
    let hours = period_minutes.div_ceil(60);
    let hourly_pico = (hourly_usd * Decimal::from(1_000_000_000_000u64))
        .round()
        .mantissa();
    let fixed = Pico(hourly_pico * units as i128 * hours as i128);
    let share = |tokens: u64| {
        if b.tokens == 0 {
            Pico(0)
        } else {
            Pico((b.baseline.0 * tokens as i128 + b.tokens as i128 / 2) / b.tokens as i128)
        }
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_peak_and_breaks_even() {
        // 60 busy minutes of 10,000 tokens and one of 40,000; on demand $0.72/1M (Llama 3.1 70B
        // in and out): 640,000 tokens -> $0.4608.
        let mut b = Bins::default();
        for m in 0..60 {
            b.add(m, 10_000, Pico(7_200_000_000));
        }
        b.add(60, 40_000, Pico(28_800_000_000));
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
            b.add(m, 10_000, Pico(7_200_000_000));
        }
        b.add(60, 40_000, Pico(28_800_000_000));
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
}
