//! Numbers and token counts as a description writes them: exact decimals from integers, floats
//! or strings (`"60%"`), and tokens per request as a mean, p50/p90 (a log-normal in ten equal
//! buckets) or a histogram.

use std::str::FromStr;

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::describe::{problem, Problem};
use super::TokenDist;
use crate::money::round_dp;

/// A number as written: an integer, a float, or a string (`"60%"`, `"2_000_000"`, `"3046.25"`),
/// kept as its exact decimal (a float is read from its shortest text, not its binary value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dec(pub Decimal);

impl Dec {
    pub fn parse(s: &str) -> Result<Dec, String> {
        let t = s.trim().replace('_', "");
        let (t, pct) = match t.strip_suffix('%') {
            Some(n) => (n.trim().to_string(), true),
            None => (t, false),
        };
        let d = Decimal::from_str(&t)
            .or_else(|_| Decimal::from_scientific(&t))
            .map_err(|_| format!("`{}` is not a number", crate::io::clean(s)))?;
        Ok(Dec(if pct { d / Decimal::from(100) } else { d }.normalize()))
    }
}

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Dec, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Dec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, or a string such as \"60%\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Dec, E> {
                Ok(Dec(Decimal::from(v)))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Dec, E> {
                Ok(Dec(Decimal::from(v)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Dec, E> {
                Dec::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dec, E> {
                Dec::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for Dec {
    /// An integer as an integer; a decimal as a float when the float reads back to the same
    /// digits, else as a string (exact either way).
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0.normalize();
        if d.scale() == 0 {
            if let Some(i) = d.to_i64() {
                return s.serialize_i64(i);
            }
        }
        if let Some(f) = d.to_f64() {
            if Dec::parse(&f.to_string()).map(|x| x.0) == Ok(d) {
                return s.serialize_f64(f);
            }
        }
        s.serialize_str(&d.to_string())
    }
}

/// Tokens per request: a mean, two quantiles, or a histogram of `[tokens, weight]` pairs.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TokensSpec {
    Mean(Dec),
    Quantiles { p50: Dec, p90: Dec },
    Histogram { histogram: Vec<(Dec, Dec)> },
}

impl TokensSpec {
    /// The flag form: `3000`, `p50=2500,p90=6000` or `hist=1000:40,3000:50,12000:10`.
    pub fn parse(s: &str) -> Result<TokensSpec, String> {
        let s = s.trim();
        if let Some(h) = s.strip_prefix("hist=") {
            let mut out = vec![];
            for part in h.split(',') {
                let (t, w) = part.split_once(':').ok_or_else(|| {
                    format!(
                        "`{}`: a histogram entry is TOKENS:WEIGHT",
                        crate::io::clean(part)
                    )
                })?;
                out.push((Dec::parse(t)?, Dec::parse(w)?));
            }
            return Ok(TokensSpec::Histogram { histogram: out });
        }
        if s.contains('=') {
            let (mut p50, mut p90) = (None, None);
            for part in s.split(',') {
                match part.split_once('=') {
                    Some(("p50", v)) => p50 = Some(Dec::parse(v)?),
                    Some(("p90", v)) => p90 = Some(Dec::parse(v)?),
                    _ => {
                        return Err(format!(
                            "`{}`: expected p50=N,p90=N",
                            crate::io::clean(part)
                        ))
                    }
                }
            }
            return match (p50, p90) {
                (Some(p50), Some(p90)) => Ok(TokensSpec::Quantiles { p50, p90 }),
                _ => Err("give both p50=N and p90=N".into()),
            };
        }
        Ok(TokensSpec::Mean(Dec::parse(s)?))
    }
}

/// The most tokens a request can state (far above any model's context window).
const MAX_TOKENS: u64 = 10_000_000;

/// z-scores of the 10th, 20th, ..., 90th percentiles of the standard normal distribution: the
/// bounds of ten equal-share buckets of a log-normal distribution through p50 and p90.
const DECILE_BOUNDS: [f64; 9] = [
    -1.281_552, -0.841_621, -0.524_401, -0.253_347, 0.0, 0.253_347, 0.524_401, 0.841_621, 1.281_552,
];
const Z90: f64 = 1.281_552;

/// The standard normal distribution function, from erf (Abramowitz and Stegun 7.1.26, absolute
/// error under 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let poly = t
        * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + erf)
    } else {
        0.5 * (1.0 - erf)
    }
}

/// Ten equal-share buckets of the log-normal through p50 and p90, each at its conditional mean
/// (so the buckets' mean is the distribution's: p50 e^(sigma^2 / 2)), rounded to whole tokens.
fn lognormal_deciles(p50: f64, p90: f64) -> Vec<u64> {
    let sigma = (p90 / p50).ln() / Z90;
    let mean = p50 * (sigma * sigma / 2.0).exp();
    let mut bounds = vec![f64::NEG_INFINITY];
    bounds.extend(DECILE_BOUNDS);
    bounds.push(f64::INFINITY);
    let cdf = |z: f64| {
        if z.is_infinite() {
            if z > 0.0 {
                1.0
            } else {
                0.0
            }
        } else {
            normal_cdf(z - sigma)
        }
    };
    bounds
        .windows(2)
        .map(|w| (mean * (cdf(w[1]) - cdf(w[0])) / 0.1).round() as u64)
        .collect()
}

pub(super) fn dist(spec: &TokensSpec, field: &str) -> Result<TokenDist, Problem> {
    let positive = |d: Dec, what: &str| {
        if d.0 < Decimal::ZERO {
            Err(problem(
                format!("{field}: {what} is negative ({})", d.0),
                "token counts are 0 or more per request",
            ))
        } else if d.0 > Decimal::from(MAX_TOKENS) {
            Err(problem(
                format!("{field}: {what} is {} tokens a request", d.0),
                "no model takes more than 10,000,000 tokens in one request: check the number",
            ))
        } else {
            Ok(d.0)
        }
    };
    Ok(match spec {
        TokensSpec::Mean(m) => {
            let m = positive(*m, "the mean")?;
            TokenDist::mean(m, format!("{} per request on average", num_text(m)))
        }
        TokensSpec::Quantiles { p50, p90 } => {
            let (a, b) = (positive(*p50, "p50")?, positive(*p90, "p90")?);
            if b < a || a.is_zero() {
                return Err(problem(
                    format!("{field}: p90 ({b}) is below p50 ({a}), or p50 is 0"),
                    "p50 is the median request, p90 the request 9 in 10 stay under: 0 < p50 <= p90",
                ));
            }
            let (fa, fb) = (a.to_f64().unwrap_or(0.0), b.to_f64().unwrap_or(0.0));
            let deciles = lognormal_deciles(fa, fb);
            if deciles.iter().any(|t| *t > MAX_TOKENS) {
                return Err(problem(
                    format!("{field}: a log-normal through p50 {a} and p90 {b} puts a tenth of the requests over 10,000,000 tokens"),
                    "check p50 and p90, or give a histogram",
                ));
            }
            let buckets: Vec<(Decimal, Decimal)> = deciles
                .into_iter()
                .map(|t| (Decimal::ONE, Decimal::from(t)))
                .collect();
            let d = TokenDist {
                buckets,
                how: String::new(),
                estimated: false,
            };
            let how = format!(
                "log-normal through p50 {} and p90 {}, priced as ten equal buckets at their means (mean {})",
                num_text(a),
                num_text(b),
                num_text(round_dp(d.average(), 0))
            );
            TokenDist { how, ..d }
        }
        TokensSpec::Histogram { histogram } => {
            if histogram.is_empty() {
                return Err(problem(
                    format!("{field}: the histogram is empty"),
                    "give [[TOKENS, WEIGHT], ...]",
                ));
            }
            let mut buckets = vec![];
            for (t, w) in histogram {
                let t = positive(*t, "a bucket's tokens")?;
                if w.0 <= Decimal::ZERO {
                    return Err(problem(
                        format!("{field}: a bucket's weight is {} (must be above 0)", w.0),
                        "weights are relative shares of the requests, e.g. [[1000, 40], [3000, 60]]",
                    ));
                }
                buckets.push((w.0, t));
            }
            let d = TokenDist {
                buckets,
                how: String::new(),
                estimated: false,
            };
            let how = format!(
                "a histogram of {} bucket(s) (mean {})",
                d.buckets.len(),
                num_text(round_dp(d.average(), 0))
            );
            TokenDist { how, ..d }
        }
    })
}

pub(super) fn num_text(d: Decimal) -> String {
    crate::money::decimal_thousands(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenarios::plan::describe::{parse_file, PlanFile};

    #[test]
    fn numbers_read_exactly() {
        assert_eq!(Dec::parse("60%").unwrap().0, Decimal::new(6, 1));
        assert_eq!(Dec::parse("2_000_000").unwrap().0, Decimal::from(2_000_000));
        assert!(Dec::parse("lots").is_err());
        let f: PlanFile = parse_file(
            "[[workload]]\nrequests_per_day = 0.1\ninput_tokens = { p50 = 2500, p90 = 6000 }\n",
        )
        .unwrap();
        assert_eq!(
            f.workloads[0].requests_per_day,
            Some(Dec(Decimal::new(1, 1)))
        );
        assert_eq!(
            TokensSpec::parse("hist=1000:40,3000:60").unwrap(),
            TokensSpec::Histogram {
                histogram: vec![
                    (Dec(1000.into()), Dec(40.into())),
                    (Dec(3000.into()), Dec(60.into()))
                ]
            }
        );
    }

    #[test]
    fn quantiles_make_ten_lognormal_buckets() {
        let d = dist(
            &TokensSpec::Quantiles {
                p50: Dec(2500.into()),
                p90: Dec(2500.into()),
            },
            "input_tokens",
        )
        .unwrap();
        // p50 = p90: no spread, every bucket at 2,500.
        assert!(d.buckets.iter().all(|b| b.1 == Decimal::from(2500)));
        let d = dist(
            &TokensSpec::Quantiles {
                p50: Dec(1000.into()),
                p90: Dec(4000.into()),
            },
            "input_tokens",
        )
        .unwrap();
        // sigma = ln 4 / 1.281552 = 1.081731, mean 1000 e^(sigma^2 / 2) = 1,795.1; the top
        // decile's conditional mean 1,795.1 x (1 - Phi(1.281552 - sigma)) / 0.1 = 7,554, the
        // fifth's 1,795.1 x (Phi(-sigma) - Phi(-0.253347 - sigma)) / 0.1 = 875.
        let tokens: Vec<u64> = d.buckets.iter().map(|b| b.1.to_u64().unwrap()).collect();
        assert_eq!(
            tokens,
            [163, 326, 483, 661, 875, 1150, 1524, 2091, 3125, 7554]
        );
        // The buckets' mean is the distribution's, to the token.
        assert_eq!(round_dp(d.average(), 0), Decimal::from(1795));
    }
}
