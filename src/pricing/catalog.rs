//! The price catalog: loads and validates pricing/*.toml (embedded) plus user overrides.
//!
//! Files are human-edited, so loading is strict (unknown fields, non-positive prices, more than 6
//! decimals, bad dates and duplicates are all errors naming the file and model) and lookups are
//! by (region, scope) so a request is priced by the row that matches where and how it ran.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use chrono::NaiveDate;

use super::price_file::{parse_row, price_files, Ctx, FileDoc, ModelDoc};
pub use super::price_file::{redact_quoted, toml_error};
pub use super::price_row::{PriceRow, Scope, TokenRates};

/// The catalog files compiled into the binary, in load order: first the rows taken from AWS's
/// Price List feed (what `pricing sync` writes), then [`OVERLAY`].
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "pricing/anthropic.toml",
        include_str!("../../pricing/anthropic.toml"),
    ),
    (
        "pricing/amazon.toml",
        include_str!("../../pricing/amazon.toml"),
    ),
    (
        "pricing/cohere.toml",
        include_str!("../../pricing/cohere.toml"),
    ),
    (
        "pricing/deepseek.toml",
        include_str!("../../pricing/deepseek.toml"),
    ),
    ("pricing/meta.toml", include_str!("../../pricing/meta.toml")),
    (
        "pricing/mistral.toml",
        include_str!("../../pricing/mistral.toml"),
    ),
    (
        "pricing/openai.toml",
        include_str!("../../pricing/openai.toml"),
    ),
    (
        "pricing/others.toml",
        include_str!("../../pricing/others.toml"),
    ),
    ("pricing/qwen.toml", include_str!("../../pricing/qwen.toml")),
];

/// The curated overlay compiled into the binary: what the feed lacks (other regions, long-context
/// and provisioned rates, legacy models), each row with its own source. An overlay row fills only
/// the fields the feed row of the same model, region, scope and validity leaves empty.
pub const OVERLAY: &[(&str, &str)] = &[
    (
        "pricing/overlay/amazon.toml",
        include_str!("../../pricing/overlay/amazon.toml"),
    ),
    (
        "pricing/overlay/anthropic.toml",
        include_str!("../../pricing/overlay/anthropic.toml"),
    ),
    (
        "pricing/overlay/deepseek.toml",
        include_str!("../../pricing/overlay/deepseek.toml"),
    ),
    (
        "pricing/overlay/meta.toml",
        include_str!("../../pricing/overlay/meta.toml"),
    ),
    (
        "pricing/overlay/mistral.toml",
        include_str!("../../pricing/overlay/mistral.toml"),
    ),
    (
        "pricing/overlay/openai.toml",
        include_str!("../../pricing/overlay/openai.toml"),
    ),
    (
        "pricing/overlay/qwen.toml",
        include_str!("../../pricing/overlay/qwen.toml"),
    ),
    (
        "pricing/overlay/us-regions.toml",
        include_str!("../../pricing/overlay/us-regions.toml"),
    ),
];

/// How the `source` of a row read from AWS's Price List begins.
pub const FEED_SOURCE: &str = "AWS Price List ";

/// Where a file sits in the catalog's layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Rows from AWS's Price List feed.
    Feed,
    /// The curated overlay: fills what the feed lacks.
    Overlay,
    /// A user's --pricing file: its rows replace the catalog's for the same region and scope.
    User,
    /// A file under `overlay/` of a user's --pricing directory laid out like the catalog: it
    /// fills like the built-in overlay.
    UserOverlay,
}

impl Layer {
    fn built_in(self) -> bool {
        matches!(self, Layer::Feed | Layer::Overlay)
    }

    fn fills(self) -> bool {
        matches!(self, Layer::Overlay | Layer::UserOverlay)
    }
}

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
    /// The day AWS ends the model (it stays priced: old logs still need their prices).
    pub end_of_life: Option<NaiveDate>,
    /// What AWS's Price List calls the model (`model` / `servicename` attributes), for `pricing sync`.
    pub feed_names: Vec<String>,
    /// What the bill calls the model where neither its name nor its Price List names match
    /// (usage-type model parts, Marketplace service names).
    pub billing_names: Vec<String>,
    /// The rows of each region and scope, oldest validity first; they never overlap.
    pub prices: BTreeMap<(String, Scope), Vec<PriceRow>>,
}

impl Model {
    /// The row in force today for a call in `region` at `scope`, falling back from geo to regional.
    pub fn price(&self, region: &str, scope: Scope) -> Option<&PriceRow> {
        self.price_at(region, scope, chrono::Utc::now().date_naive())
    }

    /// The row in force on `day` for a call in `region` at `scope`, falling back from geo to
    /// regional.
    pub fn price_at(&self, region: &str, scope: Scope, day: NaiveDate) -> Option<&PriceRow> {
        let get = |s: Scope| {
            self.prices
                .get(&(region.to_string(), s))
                .and_then(|rows| rows.iter().find(|r| r.in_force(day)))
        };
        match scope {
            Scope::Regional => get(Scope::Regional),
            Scope::Geo => get(Scope::Geo).or_else(|| get(Scope::Regional)),
            Scope::Global => get(Scope::Global),
        }
    }

    /// Every row with its region, by region and scope, oldest validity first.
    pub fn rows(&self) -> impl Iterator<Item = (&str, &PriceRow)> {
        self.prices
            .iter()
            .flat_map(|((r, _), rows)| rows.iter().map(move |row| (r.as_str(), row)))
    }

    /// Whether AWS has ended the model by `day`.
    pub fn ended_by(&self, day: NaiveDate) -> bool {
        self.end_of_life.is_some_and(|e| e <= day)
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
    /// Overlay fields the feed also prices (the feed's value is kept), for `pricing check`.
    pub superseded: Vec<String>,
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
            c.add_text(path, text, Layer::Feed)?;
        }
        for (path, text) in OVERLAY {
            c.add_text(path, text, Layer::Overlay)?;
        }
        Ok(c)
    }

    /// The built-in feed rows alone (no overlay): what `pricing sync` compares and rewrites.
    pub fn feed_only() -> Result<Catalog, CatalogError> {
        let mut c = Catalog::default();
        for (path, text) in EMBEDDED {
            c.add_text(path, text, Layer::Feed)?;
        }
        Ok(c)
    }

    /// Embedded catalog plus overrides from files or directories (`*.toml`, `*.json`).
    pub fn load(overrides: &[PathBuf]) -> Result<Catalog, CatalogError> {
        let mut c = Catalog::embedded()?;
        for p in overrides {
            // A directory laid out like the catalog: its overlay/ files fill, after the others.
            let (overlay, plain): (Vec<PathBuf>, Vec<PathBuf>) =
                price_files(p)?.into_iter().partition(|f| {
                    p.is_dir() && f.strip_prefix(p).is_ok_and(|r| r.starts_with("overlay"))
                });
            for (file, layer) in plain
                .into_iter()
                .map(|f| (f, Layer::User))
                .chain(overlay.into_iter().map(|f| (f, Layer::UserOverlay)))
            {
                let text = std::fs::read_to_string(&file).map_err(|source| CatalogError::Io {
                    path: file.clone(),
                    source,
                })?;
                c.add_text(&file.display().to_string(), &text, layer)?;
            }
        }
        Ok(c)
    }

    /// Adds one file of `layer`: feed rows are new; overlay rows fill the matching feed row;
    /// a user's rows replace the catalog's rows of the same region and scope (every version).
    pub fn add_text(&mut self, path: &str, text: &str, layer: Layer) -> Result<(), CatalogError> {
        let is_override = !layer.built_in();
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
            self.add_model(path, m, layer)?;
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

    fn add_model(&mut self, path: &str, m: &ModelDoc, layer: Layer) -> Result<(), CatalogError> {
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
        let end_of_life = match &m.end_of_life {
            Some(d) => Some(ctx.day("end_of_life", d)?),
            None => None,
        };
        if m.tpm_per_unit == Some(0) || m.long_context_threshold == Some(0) {
            return Err(ctx.err("`tpm_per_unit` and `long_context_threshold` must be positive"));
        }
        let existing = self.by_key.get(&m.key).copied();
        if existing.is_some() && layer == Layer::Feed {
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
                    end_of_life: None,
                    feed_names: vec![],
                    billing_names: vec![],
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
        // The file's own rows, by region and scope, checked for overlapping validity.
        let mut fresh: BTreeMap<(String, Scope), Vec<PriceRow>> = BTreeMap::new();
        for p in &m.price {
            let mut row = parse_row(&ctx, m, p)?;
            row.built_in = layer.built_in();
            // An overlay row may only fill fields of a feed row; any other row prices input.
            let fills = layer.fills()
                && row.regions.iter().all(|r| {
                    self.models[idx]
                        .prices
                        .get(&(r.clone(), row.scope))
                        .is_some_and(|rows| {
                            rows.iter().any(|o| {
                                (o.valid_from, o.valid_until) == (row.valid_from, row.valid_until)
                            })
                        })
                });
            if row.standard.input.is_none() && !fills {
                return Err(ctx.err(if layer.fills() {
                    "price row needs at least `input` (an overlay row without it must fill a feed row of the same regions, scope and validity)"
                } else {
                    "price row needs at least `input`"
                }));
            }
            for r in &row.regions {
                let rows = fresh.entry((r.clone(), row.scope)).or_default();
                if let Some(o) = rows.iter().find(|o| o.overlaps(&row)) {
                    return Err(ctx.err(format!(
                        "two price rows for region {r} at scope {} apply on the same days ({} and {}): give them valid_from / valid_until that do not overlap",
                        row.scope.as_str(),
                        o.validity(),
                        row.validity()
                    )));
                }
                rows.push(row.clone());
            }
        }
        let model = &mut self.models[idx];
        for id in &m.ids {
            if !model.ids.contains(id) {
                model.ids.push(id.clone());
            }
        }
        for n in &m.feed_names {
            if !model.feed_names.contains(n) {
                model.feed_names.push(n.clone());
            }
        }
        for n in &m.billing_names {
            if !model.billing_names.contains(n) {
                model.billing_names.push(n.clone());
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
        if end_of_life.is_some() {
            model.end_of_life = end_of_life;
        }
        if layer == Layer::User {
            model.source = m.source.clone();
            model.as_of = as_of;
        }
        for (key, rows) in fresh {
            let mine = model.prices.entry(key.clone()).or_default();
            match layer {
                Layer::Feed | Layer::User => *mine = rows,
                Layer::Overlay | Layer::UserOverlay => {
                    for row in rows {
                        match mine.iter_mut().find(|o| {
                            (o.valid_from, o.valid_until) == (row.valid_from, row.valid_until)
                        }) {
                            Some(feed) => {
                                for field in feed.fill(&row) {
                                    self.superseded.push(format!(
                                        "{path}: {} {} {} {field}: the feed prices it differently; the overlay's value is not used",
                                        m.key,
                                        key.0,
                                        key.1.as_str()
                                    ));
                                }
                            }
                            None => {
                                if let Some(o) = mine.iter().find(|o| o.overlaps(&row)) {
                                    return Err(ctx.err(format!(
                                        "overlay row for region {} at scope {} ({}) overlaps the feed's row ({}) without matching its validity",
                                        key.0,
                                        key.1.as_str(),
                                        row.validity(),
                                        o.validity()
                                    )));
                                }
                                mine.push(row);
                            }
                        }
                    }
                }
            }
            mine.sort_by_key(|r| r.valid_from);
        }
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

    /// The distinct long-context thresholds (input tokens) of the catalog's models, ascending.
    pub fn long_context_thresholds(&self) -> Vec<u64> {
        let mut cuts: Vec<u64> = self
            .models
            .iter()
            .filter_map(|m| m.long_context_threshold)
            .collect();
        cuts.sort_unstable();
        cuts.dedup();
        cuts
    }

    pub fn model(&self, idx: usize) -> &Model {
        &self.models[idx]
    }

    /// The catalog's as-of date: the newest publication day of the AWS Price List rows in use
    /// (built in, or written by `pricing sync` and given with --pricing). Curated overlay rows and
    /// a user's own prices carry their own dates.
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.models
            .iter()
            .flat_map(|m| {
                m.rows()
                    .filter(|(_, p)| p.source.starts_with(FEED_SOURCE))
                    .map(|(_, p)| p.as_of)
            })
            .max()
    }

    /// Every region some model is priced in, sorted.
    pub fn regions(&self) -> std::collections::BTreeSet<&str> {
        self.models
            .iter()
            .flat_map(|m| m.prices.keys().map(|(r, _)| r.as_str()))
            .collect()
    }

    /// Catalog keys closest to `name`, for a typo: keys (or their model ids) spelled almost the
    /// same (Jaro-Winkler 0.9 or more), else those sharing the most of its words (a word of 3+
    /// letters among them); at most five.
    pub fn similar_keys(&self, name: &str) -> Vec<&str> {
        let lower = name.to_ascii_lowercase();
        let mut close: Vec<(f64, &str)> = self
            .models
            .iter()
            .map(|m| {
                let best = std::iter::once(&m.key)
                    .chain(&m.ids)
                    .map(|k| strsim::jaro_winkler(&lower, k))
                    .fold(0.0, f64::max);
                (best, m.key.as_str())
            })
            .filter(|(s, _)| *s >= 0.9)
            .collect();
        if !close.is_empty() {
            close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
            return close.into_iter().take(5).map(|c| c.1).collect();
        }
        let words = |s: &str| -> Vec<String> {
            s.to_ascii_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(String::from)
                .collect()
        };
        let asked = words(name);
        let mut scored: Vec<(usize, &str)> = self
            .models
            .iter()
            .filter_map(|m| {
                let shared: Vec<String> = words(&m.key)
                    .into_iter()
                    .filter(|w| asked.contains(w))
                    .collect();
                shared
                    .iter()
                    .any(|w| w.len() > 2 && !w.chars().all(|c| c.is_ascii_digit()))
                    .then_some((shared.len(), m.key.as_str()))
            })
            .collect();
        let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
        scored.retain(|s| s.0 == best);
        scored.sort_unstable();
        scored.into_iter().take(5).map(|s| s.1).collect()
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
