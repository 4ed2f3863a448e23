//! Exact money: integer pico-dollars (1e-12 USD) for accumulation, rust_decimal at the edges.
//!
//! Prices are quoted per 1M tokens with at most 6 decimals (checked when the catalog loads), so a
//! price fits exactly in integer micro-dollars per 1M tokens, and `tokens x price` is an exact
//! integer number of pico-dollars. Summing i128 is exact and fast on the ingest hot path; nothing
//! is rounded until a row is rendered.
//!
//! One rounding rule everywhere: half away from zero (`round_half_away`, `round_dp`), for
//! money, percentages, shares and sizing alike.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;

/// A price per 1M tokens, in integer micro-dollars (USD 3.00 per 1M -> 3_000_000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct PricePerMillion(pub i64);

impl PricePerMillion {
    /// Converts a decimal USD price; `None` when it has more than 6 decimals or is out of range.
    pub fn from_decimal(d: Decimal) -> Option<Self> {
        let micros = d.checked_mul(Decimal::from(1_000_000))?;
        if micros.fract() != Decimal::ZERO {
            return None;
        }
        micros.to_i64().map(PricePerMillion)
    }

    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.0, 6).normalize()
    }

    /// Cost of `tokens` at this price. Micro-dollars per 1M tokens = pico-dollars per token.
    pub fn cost(self, tokens: u64) -> Pico {
        Pico(self.0 as i128 * tokens as i128)
    }
}

/// `+`, `+=` and `sum()` for an integer amount type.
macro_rules! additive {
    ($t:ident) => {
        impl std::ops::Add for $t {
            type Output = $t;
            fn add(self, o: $t) -> $t {
                $t(self.0 + o.0)
            }
        }
        impl std::ops::AddAssign for $t {
            fn add_assign(&mut self, o: $t) {
                self.0 += o.0;
            }
        }
        impl std::iter::Sum for $t {
            fn sum<I: Iterator<Item = $t>>(iter: I) -> $t {
                iter.fold($t(0), |a, b| a + b)
            }
        }
    };
}

/// An exact amount of money in pico-dollars (1e-12 USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Pico(pub i128);

additive!(Pico);

impl Pico {
    /// A dollar amount in pico-dollars, rounded by the one rule (a price times hours or months
    /// can have more than 12 decimals); saturating far beyond any real amount.
    pub fn from_usd(usd: Decimal) -> Pico {
        let pico = usd
            .checked_mul(Decimal::from(1_000_000_000_000u64))
            .map(|d| round_dp(d, 0));
        Pico(match pico.and_then(|d| d.to_i128()) {
            Some(p) => p,
            None if usd.is_sign_negative() => i128::MIN,
            None => i128::MAX,
        })
    }

    /// The exact amount as a decimal (up to 12 places).
    pub fn to_decimal(self) -> Decimal {
        Decimal::from_i128_with_scale(self.0, 12).normalize()
    }

    /// Rounded to whole micro-dollars, half away from zero (single amounts; rows that must add
    /// up are apportioned instead).
    pub fn to_usd6(self) -> Usd6 {
        Usd6(round_half_away(self.0, 1_000_000))
    }
}

/// `d` rounded to `dp` decimals by the one rule: half away from zero.
pub fn round_dp(d: Decimal, dp: u32) -> Decimal {
    d.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero)
}

/// `x / unit` rounded half away from zero.
fn round_half_away(x: i128, unit: i128) -> i128 {
    let half = unit / 2;
    if x >= 0 {
        (x + half) / unit
    } else {
        -((-x + half) / unit)
    }
}

/// An amount in whole micro-dollars: what reports show (6 decimals) and sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Usd6(pub i128);

additive!(Usd6);

impl Usd6 {
    pub fn to_decimal(self) -> Decimal {
        Decimal::from_i128_with_scale(self.0, 6)
    }

    /// `$1,234.57`: rounded (half away from zero) to cents, for a single amount in text.
    pub fn dollars(self) -> String {
        cents_text(round_half_away(self.0, 10_000), self.0)
    }

    /// `30922.80`: rounded to cents (half away from zero), no thousands separators.
    pub fn cents_plain(self) -> String {
        let c = round_half_away(self.0, 10_000);
        let sign = if c < 0 { "-" } else { "" };
        let c = c.unsigned_abs();
        format!("{sign}{}.{:02}", c / 100, c % 100)
    }

    /// `12.345678` (always 6 decimals), as JSON/CSV carry it.
    pub fn fixed6(self) -> String {
        let d = self.to_decimal();
        format!("{d:.6}")
    }
}

/// `$1,234.57` from a number of cents; `<$0.01` (`-<$0.01`) where the cents are 0 but the
/// amount (`micros`) is not, so a row that cost something never reads as free and a change
/// under a cent never reads as none.
pub fn cents_text(cents: i128, micros: i128) -> String {
    match (cents, micros.signum()) {
        (0, 1) => return "<$0.01".into(),
        (0, -1) => return "-<$0.01".into(),
        _ => {}
    }
    let neg = cents < 0;
    let c = cents.unsigned_abs();
    format!(
        "{}${}.{:02}",
        if neg { "-" } else { "" },
        group_thousands(c / 100),
        c % 100
    )
}

impl Serialize for Usd6 {
    /// A JSON number with exactly 6 decimals, written verbatim from its decimal string.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.fixed6())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// An amount exactly as billed (Cost Explorer's decimals, unrounded), written as a JSON number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct ExactUsd(pub Decimal);

impl Serialize for ExactUsd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.0.normalize().to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// How `apportion` treats equal amounts at the cut (where only some of them can round up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ties {
    /// The sum is exact: the earlier of equal amounts rounds up (JSON and CSV amounts, whose
    /// totals must not depend on the grouping).
    ExactSum,
    /// Equal amounts round alike when that moves the sum by at most one unit (cents on screen:
    /// the same usage never shows $0.01 next to <$0.01); past that, as `ExactSum`.
    Alike,
}

/// Rounds non-negative exact amounts to whole `unit`s so that they add up to their exact sum
/// rounded (half away from zero) to a whole `unit`: the largest-remainder method. Amounts round
/// up in order of their remainder (the larger amount first on equal remainders); equal amounts
/// at the cut follow `ties`. Each result is within one `unit` of its own amount. Returns counts
/// of `unit`.
pub fn apportion(exact: &[i128], unit: i128, ties: Ties) -> Vec<i128> {
    assert!(
        unit > 0 && exact.iter().all(|&x| x >= 0),
        "apportion takes non-negative amounts"
    );
    let total: i128 = exact.iter().sum();
    let target = round_half_away(total, unit);
    let mut out: Vec<i128> = exact.iter().map(|&x| x / unit).collect();
    let mut extra = target - out.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..exact.len()).filter(|&i| exact[i] % unit > 0).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse((exact[i] % unit, exact[i])), i));
    for group in order.chunk_by(|&a, &b| exact[a] == exact[b]) {
        if extra <= 0 {
            break;
        }
        let n = group.len() as i128;
        let (up, down) = (n - extra, extra);
        let take = match ties {
            _ if extra >= n => group,
            Ties::Alike if up.min(down) <= 1 && 2 * extra >= n => group,
            Ties::Alike if up.min(down) <= 1 => &group[..0],
            _ => &group[..extra as usize],
        };
        take.iter().for_each(|&i| out[i] += 1);
        extra -= n;
    }
    out
}

/// A decimal written as a JSON number, digits verbatim (no float conversion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Num(pub Decimal);

impl Num {
    /// The number as JSON writes it: no trailing zeros (`24`, `0.5`, `2451.4`).
    pub fn text(self) -> String {
        self.0.normalize().to_string()
    }
}

impl Serialize for Num {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let raw = serde_json::value::RawValue::from_string(self.text())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}

/// `apportion` for signed amounts: positive and negative amounts are apportioned separately,
/// so a zero stays exactly zero and each side adds up to its own exact sum rounded.
pub fn apportion_signed(exact: &[i128], unit: i128, ties: Ties) -> Vec<i128> {
    let pos: Vec<i128> = exact.iter().map(|&x| x.max(0)).collect();
    let neg: Vec<i128> = exact.iter().map(|&x| (-x).max(0)).collect();
    apportion(&pos, unit, ties)
        .into_iter()
        .zip(apportion(&neg, unit, ties))
        .map(|(p, n)| p - n)
        .collect()
}

/// `num / den` in percent, one decimal; `None` when `den` is 0 or the numbers are out of range.
pub fn percent(num: i128, den: i128) -> Option<Num> {
    let n = Decimal::try_from_i128_with_scale(num, 0).ok()?;
    let d = Decimal::try_from_i128_with_scale(den, 0).ok()?;
    if d.is_zero() {
        return None;
    }
    Some(Num(round_dp(
        n.checked_mul(Decimal::from(100))?.checked_div(d)?,
        1,
    )))
}

/// `1234567` -> `1,234,567`.
pub fn group_thousands<T: std::fmt::Display>(n: T) -> String {
    let s = n.to_string();
    let (sign, digits) = s.strip_prefix('-').map_or(("", s.as_str()), |d| ("-", d));
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    format!("{sign}{out}")
}

/// `$0.012345` from micro-dollars.
pub fn micros_usd(m: u64) -> String {
    format!("${}", micros_decimal(m))
}

/// `0.012345` (for the manifest) from micro-dollars.
pub fn micros_decimal(m: u64) -> String {
    Decimal::new(m as i64, 6).normalize().to_string()
}

/// Dollars, exact, with at least cents: $0.10, $0.043259825.
pub fn usd_exact(d: Decimal) -> String {
    let mut d = d.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    format!("${}", decimal_thousands_raw(d))
}

/// An exact decimal with thousands separators in its whole part, as Cost Explorer sent it
/// (trailing zeros dropped): 1235.995 -> 1,235.995.
pub fn decimal_thousands(d: Decimal) -> String {
    decimal_thousands_raw(d.normalize())
}

fn decimal_thousands_raw(d: Decimal) -> String {
    let text = d.to_string();
    let (sign, text) = match text.strip_prefix('-') {
        Some(t) => ("-", t),
        None => ("", text.as_str()),
    };
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let whole = whole
        .parse::<u128>()
        .map(group_thousands)
        .unwrap_or(whole.to_string());
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn price_conversion_is_exact() {
        let p = PricePerMillion::from_decimal(Decimal::from_str("0.035").unwrap()).unwrap();
        assert_eq!(p, PricePerMillion(35_000));
        assert_eq!(p.to_decimal().to_string(), "0.035");
        assert!(PricePerMillion::from_decimal(Decimal::from_str("0.0000001").unwrap()).is_none());
        // 1 token of Nova Micro input = $0.000000035
        assert_eq!(p.cost(1).to_decimal().to_string(), "0.000000035");
        assert_eq!(p.cost(1_000_000).to_decimal().to_string(), "0.035");
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(Pico(1_499_999).to_usd6(), Usd6(1));
        assert_eq!(Pico(1_500_000).to_usd6(), Usd6(2));
        assert_eq!(Pico(-1_500_000).to_usd6(), Usd6(-2));
        assert_eq!(Usd6(1_234_567_890_000).dollars(), "$1,234,567.89");
        assert_eq!(Usd6(4_999).dollars(), "<$0.01");
        assert_eq!(Usd6(5_000).dollars(), "$0.01");
        // a change under a cent is never "$0.00"
        assert_eq!(Usd6(-4_999).dollars(), "-<$0.01");
        assert_eq!(Usd6(0).dollars(), "$0.00");
        // one rule for decimals too (rust_decimal's default is half-even): 0.25 -> 0.3
        assert_eq!(
            round_dp(Decimal::from_str("0.25").unwrap(), 1).to_string(),
            "0.3"
        );
        assert_eq!(percent(1, 8).unwrap().text(), "12.5");
        assert_eq!(percent(1, 16).unwrap().text(), "6.3");
        assert_eq!(Usd6(-15_000).dollars(), "-$0.02");
        assert_eq!(percent(1, 3), Some(Num(Decimal::new(333, 1))));
        assert_eq!(percent(-1, 8), Some(Num(Decimal::new(-125, 1))));
        assert_eq!(percent(1, 0), None);
    }

    #[test]
    fn amounts_as_text() {
        assert_eq!(Usd6(12_345_678).fixed6(), "12.345678");
        assert_eq!(Usd6(5).fixed6(), "0.000005");
        assert_eq!(cents_text(123_456_789, 1_234_567_890_000), "$1,234,567.89");
        assert_eq!(cents_text(0, 4_999), "<$0.01");
        assert_eq!(cents_text(0, 0), "$0.00");
        assert_eq!(cents_text(1, 5_000), "$0.01");
        assert_eq!(cents_text(-150, -1_500_000), "-$1.50");
    }

    #[test]
    fn apportioned_amounts_add_up_to_the_rounded_total() {
        use Ties::{Alike, ExactSum};
        // 0.4 + 0.4 + 0.8 cents: the total 1.6 rounds to 2: the 0.8 first, then one of the
        // two equal 0.4s: the earlier for an exact sum; on screen both, as they are alike
        assert_eq!(apportion(&[40, 40, 80], 100, ExactSum), vec![1, 0, 1]);
        assert_eq!(apportion(&[40, 40, 80], 100, Alike), vec![1, 1, 1]);
        // 3 x 0.4 cents: the total 1.2 rounds to 1; alike, all three stay at 0 (one cent off)
        assert_eq!(apportion(&[40, 40, 40], 100, ExactSum), vec![1, 0, 0]);
        assert_eq!(apportion(&[40, 40, 40], 100, Alike), vec![0, 0, 0]);
        // 300 x 0.44 cents = 132 cents: alike would be 132 cents off, so the sum stays exact
        let many = apportion(&[44; 300], 100, Alike);
        assert_eq!(many.iter().sum::<i128>(), 132);
        // equal amounts among others: 0.6 + 0.5 + 0.5 + 0.3 = 1.9 -> 2: the 0.6 and both 0.5s
        assert_eq!(apportion(&[60, 50, 50, 30], 100, Alike), vec![1, 1, 1, 0]);
        // equal remainders of different amounts: the larger first: 1.5 and 0.5 -> 2
        assert_eq!(apportion(&[150, 50], 100, ExactSum), vec![2, 0]);
        // largest remainder wins: 1.45 + 2.55 + 0.0 = 4.0
        assert_eq!(apportion(&[145, 255, 0], 100, ExactSum), vec![1, 3, 0]);
        // exact multiples stay as they are
        assert_eq!(apportion(&[300, 500], 100, ExactSum), vec![3, 5]);
        assert_eq!(apportion(&[], 100, Alike), Vec::<i128>::new());
        let v = [1_234_567i128, 7_654_321, 5_000_001, 4_999_999];
        let a = apportion(&v, 1_000_000, ExactSum);
        assert_eq!(
            a.iter().sum::<i128>(),
            (v.iter().sum::<i128>() + 500_000) / 1_000_000
        );
        for (x, y) in v.iter().zip(&a) {
            assert!((x - y * 1_000_000).abs() < 1_000_000);
        }
    }

    #[test]
    fn serializes_as_number_with_six_decimals() {
        assert_eq!(serde_json::to_string(&Usd6(1_500_000)).unwrap(), "1.500000");
    }

    #[test]
    fn cost_explorer_amounts_print_exactly() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(decimal_thousands(d("1235.995")), "1,235.995");
        assert_eq!(decimal_thousands(d("0.0432598250")), "0.043259825");
        assert_eq!(decimal_thousands(d("5000000")), "5,000,000");
        assert_eq!(decimal_thousands(d("-1234.5")), "-1,234.5");
        assert_eq!(usd_exact(d("0.10")), "$0.10");
        assert_eq!(usd_exact(d("1234")), "$1,234.00");
        assert_eq!(usd_exact(d("0.0432598250")), "$0.043259825");
    }

    #[test]
    fn micro_dollars_print_exactly() {
        assert_eq!(micros_usd(10), "$0.00001");
        assert_eq!(micros_usd(40_000), "$0.04");
        assert_eq!(micros_usd(0), "$0");
    }
}
