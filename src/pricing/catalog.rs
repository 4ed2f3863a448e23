//! The price catalog: loads and validates pricing/*.toml (embedded) plus user overrides.
//!
//! Files are human-edited, so loading is strict (unknown fields, non-positive prices, more than 6
//! decimals, bad dates and duplicates are all errors naming the file and model) and lookups are
//! by (region, scope) so a request is priced by the row that matches where and how it ran.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::price_file::{parse_row, price_files, Ctx, FileDoc, ModelDoc};
pub use super::price_file::{redact_quoted, toml_error};
use crate::money::PricePerMillion;

/// The catalog files compiled into the binary, in load order.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "pricing/anthropic.toml",
        include_str!("../../pricing/anthropic.toml"),
    ),
    (
        "pricing/amazon.toml",
        include_str!("../../pricing/amazon.toml"),
    ),
    ("pricing/meta.toml", include_str!("../../pricing/meta.toml")),
    (
        "pricing/mistral.toml",
        include_str!("../../pricing/mistral.toml"),
    ),
    (
        "pricing/others.toml",
        include_str!("../../pricing/others.toml"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read price file {}: {}", crate::io::clean(&path.display().to_string()), crate::io::io_reason(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{path}: model `{model}`: {message}")]
    Invalid {
        path: String,
        model: String,
        message: String,
    },
}

/// Which kind of call a price row applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// In-region model ids, and geo profiles (`us.`, `eu.`, ...) unless a `geo` row exists.
    Regional,
    /// Geo cross-region profiles, where they are priced differently from in-region calls.
    Geo,
    /// `global.` cross-region profiles.
    Global,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Regional => "regional",
            Scope::Geo => "geo",
            Scope::Global => "global",
        }
    }
}

/// Per-1M-token rates of one price row. Absent means the model has no such rate there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TokenRates {
    pub input: Option<PricePerMillion>,
    pub output: Option<PricePerMillion>,
    pub cache_read: Option<PricePerMillion>,
    pub cache_write_5m: Option<PricePerMillion>,
    pub cache_write_1h: Option<PricePerMillion>,
}

/// One price row: the rates for a model in some regions at one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceRow {
    pub regions: Vec<String>,
    pub scope: Scope,
    pub standard: TokenRates,
    /// Rates for requests whose total input exceeds the model's long-context threshold.
    pub long_context: TokenRates,
    pub batch: TokenRates,
    pub flex: TokenRates,
    pub priority: TokenRates,
    /// USD per 1K tokens-per-minute per month (reserved tier).
    pub reserved_input_1k_tpm_month: Option<Decimal>,
    pub reserved_output_1k_tpm_month: Option<Decimal>,
    /// USD per model unit per hour (provisioned throughput).
    pub provisioned_no_commit_hour: Option<Decimal>,
    pub provisioned_1_month_hour: Option<Decimal>,
    pub provisioned_6_month_hour: Option<Decimal>,
    pub source: String,
    pub as_of: NaiveDate,
    /// The file this row came from (embedded path or the user's override file).
    pub origin: String,
    /// From the built-in catalog (not a --pricing file).
    pub built_in: bool,
}

#[derive(Debug, Clone)]
pub struct Model {
    /// Catalog key, e.g. `anthropic.claude-sonnet-4-5`.
    pub key: String,
    pub name: String,
    pub provider: String,
    /// Base model ids as Bedrock names them (version suffix included).
    pub ids: Vec<String>,
    pub long_context_threshold: Option<u64>,
    /// Tokens per minute one provisioned model unit serves, where known.
    pub tpm_per_unit: Option<u64>,
    pub source: String,
    pub as_of: NaiveDate,
    pub prices: BTreeMap<(String, Scope), PriceRow>,
}

impl Model {
    /// The row that prices a call in `region` at `scope`, falling back from geo to regional.
    pub fn price(&self, region: &str, scope: Scope) -> Option<&PriceRow> {
        let get = |s: Scope| self.prices.get(&(region.to_string(), s));
        match scope {
            Scope::Regional => get(Scope::Regional),
            Scope::Geo => get(Scope::Geo).or_else(|| get(Scope::Regional)),
            Scope::Global => get(Scope::Global),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub models: Vec<Model>,
    by_key: HashMap<String, usize>,
    by_id: HashMap<String, usize>,
    /// Files loaded, in order (embedded first, then overrides).
    pub files: Vec<String>,
    /// The override files loaded, in order, each with the oldest `as_of` of its models.
    pub overrides: Vec<OverrideFile>,
}

/// A price file that overrides or extends the built-in catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideFile {
    pub path: String,
    pub as_of: NaiveDate,
}

impl Catalog {
    /// The catalog compiled into the binary.
    pub fn embedded() -> Result<Catalog, CatalogError> {
        let mut c = Catalog::default();
        for (path, text) in EMBEDDED {
            c.add_text(path, text, false)?;
        }
        Ok(c)
    }

    /// Embedded catalog plus overrides from files or directories (`*.toml`, `*.json`).
    pub fn load(overrides: &[PathBuf]) -> Result<Catalog, CatalogError> {
        let mut c = Catalog::embedded()?;
        for p in overrides {
            for file in price_files(p)? {
                let text = std::fs::read_to_string(&file).map_err(|source| CatalogError::Io {
                    path: file.clone(),
                    source,
                })?;
                c.add_text(&file.display().to_string(), &text, true)?;
            }
        }
        Ok(c)
    }

    /// Adds one file. `is_override`: rows replace existing (region, scope) rows of the same
    /// model instead of being duplicates.
    pub fn add_text(
        &mut self,
        path: &str,
        text: &str,
        is_override: bool,
    ) -> Result<(), CatalogError> {
        let doc: FileDoc = if path.ends_with(".json") {
            serde_json::from_str(text).map_err(|e| CatalogError::Parse {
                path: path.to_string(),
                message: format!(
                    "not a valid JSON price file at line {}, column {}: {}",
                    e.line(),
                    e.column(),
                    redact_quoted(&e.to_string())
                ),
            })?
        } else {
            toml::from_str(text).map_err(|e| CatalogError::Parse {
                path: path.to_string(),
                message: toml_error(&e, text),
            })?
        };
        if doc.model.is_empty() {
            return Err(CatalogError::Parse {
                path: path.to_string(),
                message: "no [[model]] entries".into(),
            });
        }
        self.files.push(path.to_string());
        let mut oldest: Option<NaiveDate> = None;
        let mut seen = std::collections::HashSet::new();
        for m in &doc.model {
            if !seen.insert(m.key.as_str()) {
                return Err(Ctx {
                    path,
                    model: &m.key,
                }
                .err("duplicate model key in this file"));
            }
            self.add_model(path, m, is_override)?;
            let as_of = self.models[self.by_key[&m.key]].as_of;
            oldest = Some(oldest.map_or(as_of, |o| o.min(as_of)));
        }
        if let (true, Some(as_of)) = (is_override, oldest) {
            self.overrides.push(OverrideFile {
                path: path.to_string(),
                as_of,
            });
        }
        Ok(())
    }

    fn add_model(
        &mut self,
        path: &str,
        m: &ModelDoc,
        is_override: bool,
    ) -> Result<(), CatalogError> {
        let ctx = Ctx {
            path,
            model: &m.key,
        };
        if m.key.trim().is_empty() || m.key.contains(char::is_whitespace) {
            return Err(ctx.err("`key` must be a non-empty id without spaces"));
        }
        if m.source.trim().is_empty() {
            return Err(ctx.err("`source` is empty: say where the prices come from"));
        }
        let as_of = ctx.date("as_of", &m.as_of)?;
        if m.tpm_per_unit == Some(0) || m.long_context_threshold == Some(0) {
            return Err(ctx.err("`tpm_per_unit` and `long_context_threshold` must be positive"));
        }
        let existing = self.by_key.get(&m.key).copied();
        if existing.is_some() && !is_override {
            return Err(ctx.err("duplicate model key (already defined in an earlier file)"));
        }
        if existing.is_none() && m.price.is_empty() {
            return Err(ctx.err("model has no [[model.price]] rows"));
        }
        let idx = match existing {
            Some(i) => i,
            None => {
                self.models.push(Model {
                    key: m.key.clone(),
                    name: m.name.clone().unwrap_or_else(|| m.key.clone()),
                    provider: m.provider.clone().unwrap_or_else(|| "unknown".into()),
                    ids: vec![],
                    long_context_threshold: None,
                    tpm_per_unit: None,
                    source: m.source.clone(),
                    as_of,
                    prices: BTreeMap::new(),
                });
                self.by_key.insert(m.key.clone(), self.models.len() - 1);
                self.models.len() - 1
            }
        };
        for id in &m.ids {
            if let Some(&other) = self.by_id.get(id) {
                if other != idx {
                    return Err(ctx.err(format!(
                        "id `{id}` is already listed under model `{}`",
                        self.models[other].key
                    )));
                }
            }
            self.by_id.insert(id.clone(), idx);
        }
        let mut fresh: BTreeMap<(String, Scope), PriceRow> = BTreeMap::new();
        for p in &m.price {
            let mut row = parse_row(&ctx, m, p)?;
            row.built_in = !is_override;
            for r in &row.regions {
                if fresh.insert((r.clone(), row.scope), row.clone()).is_some() {
                    return Err(ctx.err(format!(
                        "two price rows for region {r} at scope {}",
                        row.scope.as_str()
                    )));
                }
            }
        }
        let model = &mut self.models[idx];
        for id in &m.ids {
            if !model.ids.contains(id) {
                model.ids.push(id.clone());
            }
        }
        if let Some(n) = &m.name {
            model.name = n.clone();
        }
        if let Some(p) = &m.provider {
            model.provider = p.clone();
        }
        if m.long_context_threshold.is_some() {
            model.long_context_threshold = m.long_context_threshold;
        }
        if m.tpm_per_unit.is_some() {
            model.tpm_per_unit = m.tpm_per_unit;
        }
        if is_override {
            model.source = m.source.clone();
            model.as_of = as_of;
        }
        model.prices.extend(fresh);
        Ok(())
    }

    pub fn by_key(&self, key: &str) -> Option<&Model> {
        self.by_key.get(key).map(|&i| &self.models[i])
    }

    pub fn index_of_key(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// Exact lookup of a base model id (`anthropic.claude-3-5-haiku-20241022-v1:0`).
    pub fn index_of_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn model(&self, idx: usize) -> &Model {
        &self.models[idx]
    }

    /// The oldest `as_of` among the built-in rows: the date the catalog's prices are at least
    /// as fresh as (override files carry their own dates).
    pub fn oldest_as_of(&self) -> Option<NaiveDate> {
        self.models
            .iter()
            .flat_map(|m| m.prices.values().filter(|p| p.built_in).map(|p| p.as_of))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_never_quote_the_file() {
        let text = "{\"input\": \"SECRET prompt\"}\n";
        let e = toml::from_str::<FileDoc>(text).map(|_| ()).unwrap_err();
        let msg = toml_error(&e, text);
        assert!(
            msg.starts_with("not valid TOML at line 1, column 1: "),
            "{msg}"
        );
        assert!(!msg.contains("SECRET"), "{msg}");
        assert_eq!(
            redact_quoted("invalid type: string \"SECRET\", expected u64"),
            "invalid type: string \"...\", expected u64"
        );
    }
}
