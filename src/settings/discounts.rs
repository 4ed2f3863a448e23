//! Discounts the computed side of `reconcile` models (an EDP, a private price): one flat
//! `--discount PCT`, or a `--discount-file` with a percentage per model, per Cost Explorer
//! service and for the rest. Percentages are exact decimals; a file with an unknown field, a
//! model the catalog does not know or a percentage outside [0, 100) is a usage error.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::Deserialize;

use crate::error::UsageError;
use crate::pricing::Catalog;

/// The discount file's shape.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscountFile {
    default: Option<Pct>,
    #[serde(default)]
    services: BTreeMap<String, Pct>,
    #[serde(default)]
    models: BTreeMap<String, Pct>,
}

/// A percentage as written: `"12%"`, `"12"`, `12` or `12.5`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Pct {
    Text(String),
    Int(i64),
    Float(f64),
}

impl Pct {
    fn text(&self) -> String {
        match self {
            Pct::Text(s) => s.clone(),
            Pct::Int(i) => i.to_string(),
            // The shortest text that reads back as the same float: 12.5 stays "12.5".
            Pct::Float(f) => f.to_string(),
        }
    }
}

/// Percent off list price, by model, by service, else `default`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Discounts {
    pub default: Decimal,
    pub services: BTreeMap<String, Decimal>,
    pub models: BTreeMap<String, Decimal>,
}

pub const FILE_HINT: &str = "a TOML file: default = \"5%\", then [services] \"Amazon Bedrock\" = \"10%\" and [models] \"anthropic.claude-sonnet-4-5\" = \"15%\"";

/// A percentage (`12%` or `12`) in [0, 100), or `None`.
pub fn percent(s: &str) -> Option<Decimal> {
    Decimal::from_str(s.trim().trim_end_matches('%').trim())
        .ok()
        .filter(|d| *d >= Decimal::ZERO && *d < Decimal::from(100))
}

impl Discounts {
    /// One discount for everything.
    pub fn flat(pct: Decimal) -> Discounts {
        Discounts {
            default: pct,
            ..Default::default()
        }
    }

    /// Reads a discount file; models are checked against the catalog.
    pub fn load(path: &Path, catalog: &Catalog) -> Result<Discounts, UsageError> {
        let shown = crate::io::clean(&path.display().to_string());
        let text = std::fs::read_to_string(path).map_err(|e| {
            UsageError::new(
                format!(
                    "--discount-file {shown}: cannot read: {}",
                    crate::io::io_reason(&e)
                ),
                FILE_HINT,
            )
        })?;
        let f: DiscountFile = toml::from_str(&text).map_err(|e| {
            UsageError::new(
                format!(
                    "--discount-file {shown}: {}",
                    crate::pricing::catalog::toml_error(&e, &text)
                ),
                FILE_HINT,
            )
        })?;
        let pct = |what: &str, v: &Pct| {
            let v = v.text();
            percent(&v).ok_or_else(|| {
                UsageError::new(
                    format!(
                        "--discount-file {shown}: {what} = \"{}\": not a percentage from 0 to below 100",
                        crate::io::clean(&v)
                    ),
                    "e.g. \"12%\"",
                )
            })
        };
        let mut d = Discounts {
            default: match &f.default {
                Some(v) => pct("default", v)?,
                None => Decimal::ZERO,
            },
            ..Default::default()
        };
        for (k, v) in &f.services {
            d.services
                .insert(k.clone(), pct(&format!("services.\"{k}\""), v)?);
        }
        for (k, v) in &f.models {
            if catalog.by_key(k).is_none() {
                return Err(UsageError::new(
                    format!(
                        "--discount-file {shown}: models.\"{}\": not a catalog model",
                        crate::io::clean(k)
                    ),
                    "use the catalog's model key, as `bedrock-lens pricing list` shows it (e.g. anthropic.claude-sonnet-4-5)",
                ));
            }
            d.models
                .insert(k.clone(), pct(&format!("models.\"{k}\""), v)?);
        }
        Ok(d)
    }

    /// The discount of `model`, billed under `service` when known.
    pub fn of(&self, model: &str, service: Option<&str>) -> (Decimal, String) {
        if let Some(p) = self.models.get(model) {
            return (*p, "model".into());
        }
        if let Some((s, p)) = service.and_then(|s| self.services.get_key_value(s)) {
            return (*p, format!("service {s}"));
        }
        (self.default, "default".into())
    }

    /// `usd` with `pct` taken off, exact to 1e-10.
    pub fn take_off(usd: Decimal, pct: Decimal) -> Decimal {
        (usd * (Decimal::from(100) - pct) / Decimal::from(100)).round_dp(10)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Discounts, String> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("discounts.toml");
        std::fs::write(&p, text).unwrap();
        Discounts::load(&p, &crate::pricing::Catalog::embedded().unwrap())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn model_then_service_then_default() {
        let d = load(
            "default = \"5%\"\n[services]\n\"Amazon Bedrock\" = \"10\"\n[models]\n\"anthropic.claude-sonnet-4-5\" = \"15.5%\"\n",
        )
        .unwrap();
        let dec = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(
            d.of("anthropic.claude-sonnet-4-5", Some("Amazon Bedrock")),
            (dec("15.5"), "model".to_string())
        );
        assert_eq!(
            d.of("amazon.nova-micro", Some("Amazon Bedrock")),
            (dec("10"), "service Amazon Bedrock".to_string())
        );
        assert_eq!(
            d.of("amazon.nova-micro", None),
            (dec("5"), "default".to_string())
        );
        assert_eq!(Discounts::take_off(dec("15.00"), dec("10")), dec("13.5"));
    }

    #[test]
    fn bad_files_are_usage_errors_naming_the_field() {
        let e = load("[models]\n\"anthropic.claude-nope\" = \"5%\"\n").unwrap_err();
        assert!(
            e.contains("models.\"anthropic.claude-nope\": not a catalog model"),
            "{e}"
        );
        let e = load("default = \"100%\"\n").unwrap_err();
        assert!(e.contains("default = \"100%\": not a percentage"), "{e}");
        // Numbers are percentages too.
        let d = load("default = 5\n[models]\n\"amazon.nova-micro\" = 12.5\n").unwrap();
        assert_eq!(d.default, Decimal::from(5));
        assert_eq!(
            d.models["amazon.nova-micro"],
            Decimal::from_str("12.5").unwrap()
        );
        let e = load("defualt = \"5%\"\n").unwrap_err();
        assert!(e.contains("defualt"), "{e}");
    }
}
