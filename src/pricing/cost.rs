//! Cost engine: one request's tokens x the matching price row -> an exact cost breakdown.
//!
//! Priced per request (not per aggregate) because long-context rates depend on each request's
//! own input size. A token kind with tokens but no rate makes the whole request unpriced: a
//! partial price would look complete and be wrong.

use serde::Serialize;

use super::catalog::{Catalog, PriceRow, TokenRates};
use super::resolve::Resolution;
use crate::money::{Pico, PricePerMillion};
use crate::usage::Tokens;

/// TTL to price cache writes at. Invocation logs report cache-write tokens without their TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, clap::ValueEnum)]
pub enum CacheTtl {
    /// 5-minute cache (the default TTL of prompt caching).
    #[default]
    #[value(name = "5m")]
    #[serde(rename = "5m")]
    FiveMinutes,
    /// 1-hour cache.
    #[value(name = "1h")]
    #[serde(rename = "1h")]
    OneHour,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CostBreakdown {
    pub input: Pico,
    pub output: Pico,
    pub cache_read: Pico,
    pub cache_write: Pico,
    pub long_context: bool,
    /// As-of date of the built-in price row used (`None` for a --pricing row: the header dates
    /// override files on their own).
    pub as_of: Option<chrono::NaiveDate>,
    /// `(valid_from, valid_until)` of the row used, when it is one of several dated versions.
    pub version: Option<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)>,
}

impl CostBreakdown {
    pub fn total(&self) -> Pico {
        self.input + self.output + self.cache_read + self.cache_write
    }
}

/// The price row in force on `day` for a request, or why there is none.
pub fn price_row<'c>(
    catalog: &'c Catalog,
    res: &Resolution,
    region: &str,
    day: chrono::NaiveDate,
) -> Result<&'c PriceRow, String> {
    if let Some(reason) = &res.unpriced_reason {
        return Err(reason.clone());
    }
    let idx = res
        .model_idx
        .ok_or_else(|| "model not in catalog".to_string())?;
    let model = catalog.model(idx);
    model.price_at(region, res.scope, day).ok_or_else(|| {
        let dated: Vec<String> = model
            .rows()
            .filter(|(r, row)| *r == region && row.scope == res.scope)
            .map(|(_, row)| row.validity())
            .collect();
        if !dated.is_empty() {
            return format!(
                "no {} price for {} in {region} on {day} (the catalog's rows there apply {})",
                res.scope.as_str(),
                model.key,
                dated.join(", ")
            );
        }
        format!(
            "no {} price for {} in {region} (catalog has: {})",
            res.scope.as_str(),
            model.key,
            model
                .prices
                .keys()
                .filter(|(_, s)| *s == res.scope || res.scope != crate::pricing::Scope::Global)
                .map(|(r, s)| format!("{r}/{}", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn component(
    tokens: u64,
    rate: Option<PricePerMillion>,
    what: &str,
    model: &str,
) -> Result<Pico, String> {
    if tokens == 0 {
        return Ok(Pico(0));
    }
    rate.map(|p| p.cost(tokens))
        .ok_or_else(|| format!("{model} has no {what} rate"))
}

/// Prices one request. `Err` carries the reason it cannot be priced.
pub fn price_request(
    catalog: &Catalog,
    res: &Resolution,
    region: &str,
    day: chrono::NaiveDate,
    t: &Tokens,
    ttl: CacheTtl,
) -> Result<CostBreakdown, String> {
    let long_at = |th: u64| t.total_input() > th;
    price_requests(catalog, res, region, day, t, ttl, long_at)
}

/// Prices requests summed alike (the Athena aggregation's groups): `over(threshold)` says
/// whether each of them has more input tokens than the model's long-context threshold, so
/// the sums are priced as each request would be.
pub fn price_requests(
    catalog: &Catalog,
    res: &Resolution,
    region: &str,
    day: chrono::NaiveDate,
    t: &Tokens,
    ttl: CacheTtl,
    over: impl Fn(u64) -> bool,
) -> Result<CostBreakdown, String> {
    let row = price_row(catalog, res, region, day)?;
    let model = catalog.model(res.model_idx.expect("priced rows have a model"));
    let long = model.long_context_threshold.is_some_and(over);
    let (rates, label): (&TokenRates, &str) = if long {
        (&row.long_context, "long-context ")
    } else {
        (&row.standard, "")
    };
    let mut c = price_tokens(rates, t, ttl, label, &model.key)?;
    c.long_context = long;
    Ok(c.from_row(row))
}

impl CostBreakdown {
    /// Notes which row priced it: its as-of (built-in rows) and its validity (dated rows).
    fn from_row(mut self, row: &PriceRow) -> CostBreakdown {
        self.as_of = row.built_in.then_some(row.as_of);
        self.version = row.is_dated().then_some((row.valid_from, row.valid_until));
        self
    }
}

/// Prices a bucket of tokens summed over many requests (CloudWatch metrics): at the standard
/// rates, since whether a request was over the long-context threshold cannot be told from sums.
/// Also returns what the same tokens would cost at the long-context rates, where the model has
/// them and the bucket's prompt tokens are over its threshold (the most the bucket can cost;
/// `None` where no request of it can have been over the threshold).
pub fn price_bucket(
    catalog: &Catalog,
    res: &Resolution,
    region: &str,
    day: chrono::NaiveDate,
    t: &Tokens,
    ttl: CacheTtl,
) -> Result<(CostBreakdown, Option<Pico>), String> {
    let row = price_row(catalog, res, region, day)?;
    let model = catalog.model(res.model_idx.expect("priced rows have a model"));
    let mut c = price_tokens(&row.standard, t, ttl, "", &model.key)?;
    c.as_of = row.built_in.then_some(row.as_of);
    c.version = row.is_dated().then_some((row.valid_from, row.valid_until));
    // A bucket can hold a request over the threshold only if its prompt tokens together are
    // over it; then, at most, every one of its tokens sits in such requests.
    let long = model
        .long_context_threshold
        .filter(|th| t.total_input() > *th)
        .and_then(|_| price_tokens(&row.long_context, t, ttl, "long-context ", &model.key).ok())
        .map(|l| l.total());
    Ok((c, long))
}

/// Prices tokens at the given rates. `label` prefixes the rate names in the reason given when
/// a rate is missing (e.g. `long-context `).
pub fn price_tokens(
    rates: &TokenRates,
    t: &Tokens,
    ttl: CacheTtl,
    label: &str,
    model: &str,
) -> Result<CostBreakdown, String> {
    let (write_rate, write_label) = match ttl {
        CacheTtl::FiveMinutes => (rates.cache_write_5m, "cache write (5m)"),
        CacheTtl::OneHour => (rates.cache_write_1h, "cache write (1h)"),
    };
    Ok(CostBreakdown {
        input: component(t.input, rates.input, &format!("{label}input"), model)?,
        output: component(t.output, rates.output, &format!("{label}output"), model)?,
        cache_read: component(
            t.cache_read,
            rates.cache_read,
            &format!("{label}cache read"),
            model,
        )?,
        cache_write: component(
            t.cache_write,
            write_rate,
            &format!("{label}{write_label}"),
            model,
        )?,
        long_context: false,
        as_of: None,
        version: None,
    })
}

#[cfg(test)]
#[path = "cost_tests.rs"]
mod tests;
