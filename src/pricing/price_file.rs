//! The price file format (TOML or JSON): the documents as written, each field checked (positive
//! prices with at most 6 decimals, dates, regions) into catalog rows, and the files a path holds.
//! Errors name the file and model, and never quote the file's text.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::catalog::{CatalogError, PriceRow, Scope, TokenRates};
use crate::money::PricePerMillion;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDoc {
    #[serde(default)]
    pub(super) model: Vec<ModelDoc>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ModelDoc {
    pub(super) key: String,
    pub(super) name: Option<String>,
    pub(super) provider: Option<String>,
    #[serde(default)]
    pub(super) ids: Vec<String>,
    pub(super) long_context_threshold: Option<u64>,
    pub(super) tpm_per_unit: Option<u64>,
    pub(super) source: String,
    pub(super) as_of: String,
    pub(super) end_of_life: Option<String>,
    #[serde(default)]
    pub(super) feed_names: Vec<String>,
    #[serde(default)]
    pub(super) billing_names: Vec<String>,
    #[serde(default)]
    pub(super) price: Vec<PriceDoc>,
}

/// A price as written: a string ("3.00", exact) or a TOML/JSON number.
#[derive(Deserialize, Clone)]
#[serde(untagged)]
pub(super) enum Num {
    Str(String),
    Int(i64),
    Float(f64),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PriceDoc {
    pub(super) regions: Vec<String>,
    #[serde(default = "regional")]
    pub(super) scope: Scope,
    pub(super) source: Option<String>,
    pub(super) as_of: Option<String>,
    pub(super) valid_from: Option<String>,
    pub(super) valid_until: Option<String>,
    pub(super) note: Option<String>,
    pub(super) input: Option<Num>,
    pub(super) output: Option<Num>,
    pub(super) cache_read: Option<Num>,
    cache_write_5m: Option<Num>,
    cache_write_1h: Option<Num>,
    pub(super) long_input: Option<Num>,
    pub(super) long_output: Option<Num>,
    pub(super) long_cache_read: Option<Num>,
    long_cache_write_5m: Option<Num>,
    long_cache_write_1h: Option<Num>,
    pub(super) batch_input: Option<Num>,
    pub(super) batch_output: Option<Num>,
    pub(super) flex_input: Option<Num>,
    pub(super) flex_output: Option<Num>,
    pub(super) flex_cache_read: Option<Num>,
    pub(super) priority_input: Option<Num>,
    pub(super) priority_output: Option<Num>,
    pub(super) priority_cache_read: Option<Num>,
    reserved_input_1k_tpm_month: Option<Num>,
    reserved_output_1k_tpm_month: Option<Num>,
    pub(super) provisioned_no_commit_hour: Option<Num>,
    provisioned_1_month_hour: Option<Num>,
    provisioned_6_month_hour: Option<Num>,
}

pub(super) fn regional() -> Scope {
    Scope::Regional
}

/// Known AWS region names look like `us-east-1`, `eu-central-2`, `ap-southeast-4`, `us-gov-west-1`.
pub fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    let last = parts.last().expect("split yields one part at least");
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && !last.is_empty()
        && last.chars().all(|c| c.is_ascii_digit())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

pub(super) struct Ctx<'a> {
    pub(super) path: &'a str,
    pub(super) model: &'a str,
}

impl Ctx<'_> {
    pub(super) fn err(&self, message: impl Into<String>) -> CatalogError {
        CatalogError::Invalid {
            path: self.path.to_string(),
            model: self.model.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn decimal(
        &self,
        field: &str,
        n: &Option<Num>,
    ) -> Result<Option<Decimal>, CatalogError> {
        self.decimal_min(field, n, false)
    }

    /// A price; `zero_ok` for the rates AWS publishes at $0 (Nova's cache writes).
    fn decimal_min(
        &self,
        field: &str,
        n: &Option<Num>,
        zero_ok: bool,
    ) -> Result<Option<Decimal>, CatalogError> {
        let Some(n) = n else { return Ok(None) };
        let d = match n {
            Num::Str(s) if s.trim().is_empty() => {
                return Err(self.err(format!(
                "{field} is empty: fill in the rate, or leave the line out if the model has none"
            )))
            }
            Num::Str(s) => Decimal::from_str(s.trim())
                .map_err(|_| self.err(format!("{field}: `{s}` is not a decimal number")))?,
            Num::Int(i) => Decimal::from(*i),
            // Shortest round-trip text of the float is what the author typed.
            Num::Float(f) => Decimal::from_str(&f.to_string())
                .map_err(|_| self.err(format!("{field}: {f} is not a usable price")))?,
        };
        if d < Decimal::ZERO || (d == Decimal::ZERO && !zero_ok) {
            let what = if zero_ok {
                "zero or positive"
            } else {
                "positive"
            };
            return Err(self.err(format!("{field}: price must be {what}, got {d}")));
        }
        Ok(Some(d))
    }

    pub(super) fn rate(
        &self,
        field: &str,
        n: &Option<Num>,
    ) -> Result<Option<PricePerMillion>, CatalogError> {
        // Only a cache write can be free: AWS publishes $0 cache-write SKUs for Nova.
        let zero_ok = field.contains("cache_write");
        match self.decimal_min(field, n, zero_ok)? {
            None => Ok(None),
            Some(d) => PricePerMillion::from_decimal(d).map(Some).ok_or_else(|| {
                self.err(format!(
                    "{field}: {d} has more than 6 decimals (prices are USD per 1M tokens)"
                ))
            }),
        }
    }

    /// The day prices were read: a date, not in the future.
    pub(super) fn date(&self, field: &str, s: &str) -> Result<NaiveDate, CatalogError> {
        let d = self.day(field, s)?;
        // as_of is the day the prices were read: it cannot be later than today.
        if d > chrono::Utc::now().date_naive() {
            return Err(self.err(format!(
                "{field}: {d} is in the future (as_of is the day the prices were read)"
            )));
        }
        Ok(d)
    }

    /// Any date since Bedrock existed (a validity bound or an end of life may be ahead).
    pub(super) fn day(&self, field: &str, s: &str) -> Result<NaiveDate, CatalogError> {
        if s.trim().is_empty() {
            return Err(self.err(format!("{field} is empty: give a date (YYYY-MM-DD)")));
        }
        let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            self.err(format!(
                "{field}: `{}` is not a date (YYYY-MM-DD)",
                crate::io::clean(s)
            ))
        })?;
        if d < NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() {
            return Err(self.err(format!("{field}: {d} is before Bedrock existed")));
        }
        Ok(d)
    }
}

pub(super) fn parse_row(ctx: &Ctx, m: &ModelDoc, p: &PriceDoc) -> Result<PriceRow, CatalogError> {
    if p.regions.is_empty() {
        return Err(ctx.err("price row has no regions"));
    }
    if let Some(r) = p.regions.iter().find(|r| !valid_region(r)) {
        return Err(ctx.err(format!("`{r}` is not an AWS region name (like us-east-1)")));
    }
    let rates =
        |i: &str, o: &str, a: &Option<Num>, b: &Option<Num>| -> Result<TokenRates, CatalogError> {
            Ok(TokenRates {
                input: ctx.rate(i, a)?,
                output: ctx.rate(o, b)?,
                ..Default::default()
            })
        };
    let opt_day = |field: &str, v: &Option<String>| -> Result<Option<NaiveDate>, CatalogError> {
        v.as_deref().map(|d| ctx.day(field, d)).transpose()
    };
    let valid_from = opt_day("valid_from", &p.valid_from)?;
    let valid_until = opt_day("valid_until", &p.valid_until)?;
    if let (Some(f), Some(u)) = (valid_from, valid_until) {
        if u <= f {
            return Err(ctx.err(format!(
                "valid_until {u} is not after valid_from {f} (valid_until is the first day the row no longer applies)"
            )));
        }
    }
    let standard = TokenRates {
        input: ctx.rate("input", &p.input)?,
        output: ctx.rate("output", &p.output)?,
        cache_read: ctx.rate("cache_read", &p.cache_read)?,
        cache_write_5m: ctx.rate("cache_write_5m", &p.cache_write_5m)?,
        cache_write_1h: ctx.rate("cache_write_1h", &p.cache_write_1h)?,
    };
    let long_context = TokenRates {
        input: ctx.rate("long_input", &p.long_input)?,
        output: ctx.rate("long_output", &p.long_output)?,
        cache_read: ctx.rate("long_cache_read", &p.long_cache_read)?,
        cache_write_5m: ctx.rate("long_cache_write_5m", &p.long_cache_write_5m)?,
        cache_write_1h: ctx.rate("long_cache_write_1h", &p.long_cache_write_1h)?,
    };
    if long_context.input.is_some() && m.long_context_threshold.is_none() {
        return Err(ctx.err("long_* rates need `long_context_threshold` on the model"));
    }
    let mut flex = rates("flex_input", "flex_output", &p.flex_input, &p.flex_output)?;
    flex.cache_read = ctx.rate("flex_cache_read", &p.flex_cache_read)?;
    let mut priority = rates(
        "priority_input",
        "priority_output",
        &p.priority_input,
        &p.priority_output,
    )?;
    priority.cache_read = ctx.rate("priority_cache_read", &p.priority_cache_read)?;
    Ok(PriceRow {
        regions: p.regions.clone(),
        scope: p.scope,
        standard,
        long_context,
        batch: rates(
            "batch_input",
            "batch_output",
            &p.batch_input,
            &p.batch_output,
        )?,
        flex,
        priority,
        reserved_input_1k_tpm_month: ctx.decimal(
            "reserved_input_1k_tpm_month",
            &p.reserved_input_1k_tpm_month,
        )?,
        reserved_output_1k_tpm_month: ctx.decimal(
            "reserved_output_1k_tpm_month",
            &p.reserved_output_1k_tpm_month,
        )?,
        provisioned_no_commit_hour: ctx
            .decimal("provisioned_no_commit_hour", &p.provisioned_no_commit_hour)?,
        provisioned_1_month_hour: ctx
            .decimal("provisioned_1_month_hour", &p.provisioned_1_month_hour)?,
        provisioned_6_month_hour: ctx
            .decimal("provisioned_6_month_hour", &p.provisioned_6_month_hour)?,
        source: p.source.clone().unwrap_or_else(|| m.source.clone()),
        as_of: match &p.as_of {
            Some(s) => ctx.date("as_of", s)?,
            None => ctx.date("as_of", &m.as_of)?,
        },
        valid_from,
        valid_until,
        note: p.note.clone(),
        origin: ctx.path.to_string(),
        built_in: true,
    })
}

/// Text between double quotes replaced by `...`: parser messages can quote string values, and
/// a log file passed by mistake would put prompt text on the screen. Backticked names (keys and
/// expected fields) stay: they name the schema, not content.
pub fn redact_quoted(msg: &str) -> String {
    let msg = msg.split(" at line ").next().unwrap_or(msg);
    let mut out = String::with_capacity(msg.len());
    let mut quote: Option<char> = None;
    for c in msg.chars() {
        match quote {
            Some(q) if c == q => {
                out.push_str("...");
                out.push(c);
                quote = None;
            }
            Some(_) => {}
            None if c == '"' => {
                out.push(c);
                quote = Some(c);
            }
            None => out.push(c),
        }
    }
    out
}

/// A TOML error by position and reason only (toml's own text quotes the offending line).
pub fn toml_error(e: &toml::de::Error, text: &str) -> String {
    let (line, col) = e.span().map_or((0, 0), |s| {
        let before = &text[..s.start.min(text.len())];
        (
            before.matches('\n').count() + 1,
            before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1,
        )
    });
    format!(
        "not valid TOML at line {line}, column {col}: {}",
        redact_quoted(e.message().trim())
    )
}

/// `*.toml` / `*.json` files of a path (a file, or a directory walked recursively, sorted).
pub(super) fn price_files(p: &Path) -> Result<Vec<PathBuf>, CatalogError> {
    if p.is_file() {
        return Ok(vec![p.to_path_buf()]);
    }
    if !p.exists() {
        return Err(CatalogError::Io {
            path: p.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file or directory"),
        });
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(p)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|f| {
            matches!(
                f.extension().and_then(|x| x.to_str()),
                Some("toml") | Some("json")
            )
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(CatalogError::Parse {
            path: p.display().to_string(),
            message: "no *.toml or *.json price files in this directory".into(),
        });
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "ap-southeast-4",
            "us-gov-west-1",
        ] {
            assert!(valid_region(ok), "{ok}");
        }
        for bad in ["us-east", "USE1", "us_east_1", "east-1", "us-east-"] {
            assert!(!valid_region(bad), "{bad}");
        }
    }
}
