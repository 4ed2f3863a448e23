//! Provisioned throughput in a plan: model units sized for the stated peak, their monthly
//! cost per term at each horizon, and the traffic at which they break even with on demand.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use super::{
    price_volumes, whole, BreakEven, Candidate, Cost, Mode, Options, PriceSource,
    ProvisionedSizing, Row, Status, TermName, Volume, Workload, MONTH_MINUTES,
};
use crate::money::{round_dp, Num, Pico};
use crate::pricing::Scope;
use crate::scenarios::provisioned::{hourly, HOURS_PER_MONTH};
use crate::scenarios::spec::Tier;

/// Provisioned throughput for each term the catalog prices: units for the stated peak, their
/// monthly cost at each horizon and the break-even traffic.
#[allow(clippy::too_many_arguments)]
pub(super) fn provisioned_rows(
    o: &Options,
    w: &Workload,
    c: &Candidate,
    region: &str,
    vols: &[Vec<Volume>],
    requests: &[u64],
    factors: &[Decimal],
) -> Vec<Row> {
    let cat = o.catalog;
    let m = cat.model(c.model);
    let regional = m.price_at(region, Scope::Regional, o.day);
    let terms = [
        TermName::NoCommitment,
        TermName::OneMonth,
        TermName::SixMonths,
    ];
    let hour_of = |t: TermName| regional.and_then(|r| hourly(r, t.term()));
    let Some(regional) = regional.filter(|_| terms.iter().any(|t| hour_of(*t).is_some())) else {
        // One line says provisioned is not offered there, rather than one per term.
        let mut r = Row::blank(
            &m.key,
            &c.id,
            region,
            Mode::Provisioned {
                term: TermName::OneMonth,
            },
        );
        r.label = "provisioned throughput".into();
        r.status = Status::NotOffered;
        r.catalog_gap = true;
        r.note = Some(format!(
            "no provisioned-throughput price for {} in {region} in the catalog",
            m.key
        ));
        return vec![r];
    };
    let mut out = vec![];
    for term in terms {
        let mode = Mode::Provisioned { term };
        let Some(hour) = hour_of(term) else {
            continue;
        };
        let mut r = Row::blank(&m.key, &c.id, region, mode);
        r.prices = Some(PriceSource {
            source: regional.source.clone(),
            as_of: regional.as_of.to_string(),
            scope: Scope::Regional,
        });
        let tpm = o.tpm.get(&c.model).copied().map(|t| (t, "--tpm-per-unit"));
        let tpm = tpm
            .or(o.tpm_all.map(|t| (t, "--tpm-per-unit")))
            .or(m.tpm_per_unit.map(|t| (t, "the catalog")));
        let Some((tpm, tpm_source)) = tpm else {
            r.status = Status::NotMeasurable;
            r.note = Some(format!(
                "needs the tokens per minute one model unit serves: --tpm-per-unit {}=N (AWS does not publish it)",
                m.key
            ));
            r.prices = None;
            out.push(r);
            continue;
        };
        let Some(peak_rpm) = w.peak_rpm else {
            r.status = Status::NotMeasurable;
            r.note = Some(
                "no peak stated: give peak_requests_per_minute, peak_to_average or an hourly shape"
                    .into(),
            );
            r.prices = None;
            out.push(r);
            continue;
        };
        let input = w.input_by_model.get(&c.model).unwrap_or(&w.input);
        let per_request = input.average() + w.output.average();
        let unit_month = hour * Decimal::from(HOURS_PER_MONTH);
        let unit_pico = Pico::from_usd(unit_month);
        let mut costs = vec![];
        let mut units_by_horizon = vec![];
        let mut peaks = vec![];
        for f in factors {
            let peak_tpm = whole(peak_rpm * f * per_request);
            let units = peak_tpm.div_ceil(tpm.max(1)).max(1);
            costs.push(Cost::fixed(Pico(unit_pico.0.saturating_mul(units as i128))));
            units_by_horizon.push(units);
            peaks.push(peak_tpm);
        }
        let (units, peak_tpm) = (units_by_horizon[0], peaks[0]);
        // On demand in-region, the same tokens, now: what the units replace.
        let on_demand = price_volumes(cat, c.model, regional, Tier::Standard, None, &vols[0]);
        let break_even = match on_demand {
            Ok(od) if od.exact.0 > 0 => {
                break_even(unit_pico, od.exact, (tpm, peak_tpm), requests[0])
            }
            Ok(_) => BreakEven::Never {
                reason: "no on-demand spend to compare".into(),
            },
            Err(why) => BreakEven::Never { reason: why },
        };
        r.monthly_usd = costs.iter().map(|c| c.shown).collect();
        r.costs = costs;
        let later = if units_by_horizon.iter().all(|u| *u == units) {
            String::new()
        } else {
            format!(
                " ({} in 6 months, {} in 12)",
                units_by_horizon[1], units_by_horizon[2]
            )
        };
        r.note = Some(format!(
            "{units} unit(s){later} for a peak of {} tokens/min; compared with on demand in-region, uncached",
            crate::money::group_thousands(peak_tpm)
        ));
        r.provisioned = Some(ProvisionedSizing {
            units,
            units_by_horizon,
            tpm_per_unit: tpm,
            tpm_source: tpm_source.into(),
            peak_tpm,
            hourly_usd: Num(hour),
            unit_month_usd: unit_pico.to_usd6(),
            break_even,
        });
        out.push(r);
    }
    out
}

/// The traffic (a factor k of today's) from which provisioned stays cheaper than on demand
/// in-region. At traffic k the peak needs ceil(k a) units (a = peak / tokens per unit today), so
/// provisioned is cheaper where ceil(k a) U <= k OD (U a unit's month, OD on demand today).
/// Within the n-unit step (k up to n / a) that holds from k = n U / OD; the whole step is
/// cheaper once n U / OD <= (n - 1) / a, i.e. from n* = ceil(1 / (1 - a U / OD)) units on, and
/// the step before is cheaper from (n* - 1) U / OD. Where a U >= OD, one unit used fully at this
/// peak-to-average serves less on-demand spend than it costs: never.
fn break_even(
    unit: Pico,
    on_demand: Pico,
    (tpm, peak_tpm): (u64, u64),
    requests: u64,
) -> BreakEven {
    let dec = |p: Pico| Decimal::from_i128_with_scale(p.0, 0);
    let (u, od) = (dec(unit), dec(on_demand));
    let a = Decimal::from(peak_tpm) / Decimal::from(tpm.max(1));
    let x = a * u / od;
    if x >= Decimal::ONE {
        let serves = if a.is_zero() { od } else { od / a };
        return BreakEven::Never {
            reason: format!(
                "one unit used fully at this peak serves {} a month on demand, no more than its {} a month",
                Pico(round_dp(serves, 0).to_i128().unwrap_or(0)).to_usd6().dollars(),
                unit.to_usd6().dollars()
            ),
        };
    }
    let n = (Decimal::ONE / (Decimal::ONE - x)).ceil().max(Decimal::TWO);
    let k = (n - Decimal::ONE) * u / od;
    let avg_rpm = Decimal::from(requests) / Decimal::from(MONTH_MINUTES);
    BreakEven::At {
        requests_per_minute: Num(round_dp(avg_rpm * k, 1).normalize()),
        times_today: Num(round_dp(k, 2).normalize()),
    }
}
