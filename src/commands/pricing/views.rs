//! `pricing list` and `pricing show`: the catalog's models and rates as tables, CSV or JSON.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::{Outcome, UsageError};
use crate::io::emit;
use crate::pricing::{Catalog, Model, PriceRow, Resolver, Scope};
use crate::render::{self, Format, Grid};
use crate::settings::Env;

/// Every rate a row has, as (field name, exact decimal text), in file order.
pub fn rate_fields(row: &PriceRow) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = row
        .token_rates()
        .into_iter()
        .map(|(n, v)| (n, v.to_decimal().to_string()))
        .collect();
    out.extend(
        row.capacity_rates()
            .into_iter()
            .map(|(n, v)| (n.to_string(), v.normalize().to_string())),
    );
    out
}

#[derive(Serialize)]
pub(super) struct RowView {
    pub(super) regions: Vec<String>,
    pub(super) scope: Scope,
    pub(super) rates: BTreeMap<String, String>,
    pub(super) source: String,
    pub(super) as_of: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) valid_from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) valid_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) note: Option<String>,
    pub(super) file: String,
}

#[derive(Serialize)]
struct ModelView {
    key: String,
    name: String,
    provider: String,
    ids: Vec<String>,
    long_context_threshold: Option<u64>,
    tpm_per_unit: Option<u64>,
    source: String,
    as_of: String,
    prices: Vec<RowView>,
}

/// Rows of a model with identical rates merged back into one line per region set.
pub(super) fn row_views(m: &Model) -> Vec<RowView> {
    let mut views: Vec<(Vec<String>, &PriceRow)> = vec![];
    for (region, row) in m.rows() {
        let same = |r: &PriceRow| {
            r.scope == row.scope
                && rate_fields(r) == rate_fields(row)
                && r.as_of == row.as_of
                && r.source == row.source
                && (r.valid_from, r.valid_until) == (row.valid_from, row.valid_until)
                && r.note == row.note
        };
        match views.iter_mut().find(|(_, r)| same(r)) {
            Some((regions, _)) => regions.push(region.to_string()),
            None => views.push((vec![region.to_string()], row)),
        }
    }
    views
        .into_iter()
        .map(|(regions, r)| RowView::of(regions, r))
        .collect()
}

impl RowView {
    pub(super) fn of(regions: Vec<String>, r: &PriceRow) -> RowView {
        RowView {
            regions,
            scope: r.scope,
            rates: rate_fields(r).into_iter().collect(),
            source: r.source.clone(),
            as_of: r.as_of.to_string(),
            valid_from: r.valid_from.map(|d| d.to_string()),
            valid_until: r.valid_until.map(|d| d.to_string()),
            note: r.note.clone(),
            file: r.origin.clone(),
        }
    }
}

fn model_view(m: &Model) -> ModelView {
    ModelView {
        key: m.key.clone(),
        name: m.name.clone(),
        provider: m.provider.clone(),
        ids: m.ids.clone(),
        long_context_threshold: m.long_context_threshold,
        tpm_per_unit: m.tpm_per_unit,
        source: m.source.clone(),
        as_of: m.as_of.to_string(),
        prices: row_views(m),
    }
}

fn dash(v: Option<&String>) -> String {
    v.cloned().unwrap_or_else(|| "-".into())
}

/// `pricing list` matched no model: said, with what there is (exit 1); JSON is still a document.
pub(super) fn nothing_listed(
    env: &Env,
    provider: Option<&str>,
    region: Option<&str>,
    format: Format,
    text: &str,
) -> anyhow::Result<Outcome> {
    if format == Format::Json {
        emit(text)?;
    }
    let mut providers: Vec<&str> = env
        .catalog
        .models
        .iter()
        .map(|m| m.provider.as_str())
        .collect();
    providers.sort_unstable();
    providers.dedup();
    let asked = [("--provider", provider), ("--region", region)]
        .iter()
        .filter_map(|(f, v)| v.map(|v| format!("{f} {}", crate::io::clean(v))))
        .collect::<Vec<_>>()
        .join(" ");
    eprintln!("error: no model in the catalog matches {asked}");
    if provider.is_some() {
        eprintln!("hint: providers: {}", providers.join(", "));
    }
    if region.is_some() {
        let mut regions: Vec<&str> = env
            .catalog
            .models
            .iter()
            .flat_map(|m| m.prices.keys().map(|(r, _)| r.as_str()))
            .collect();
        regions.sort_unstable();
        regions.dedup();
        eprintln!("hint: regions with prices: {}", regions.join(", "));
    }
    Ok(Outcome::Partial)
}

/// The catalog's models (filtered) in `format`, and how many there are.
pub(super) fn list(
    c: &Catalog,
    provider: Option<&str>,
    region: Option<&str>,
    format: Format,
) -> anyhow::Result<(String, usize)> {
    let models: Vec<ModelView> = c
        .models
        .iter()
        .filter(|m| provider.is_none_or(|p| m.provider.eq_ignore_ascii_case(p)))
        .map(model_view)
        .map(|mut v| {
            if let Some(r) = region {
                v.prices.retain(|p| p.regions.iter().any(|x| x == r));
            }
            v
        })
        .filter(|v| !v.prices.is_empty())
        .collect();
    if format == Format::Json {
        let n = models.len();
        return Ok((
            render::json(
                &serde_json::json!({"schema": "bedrock-lens/pricing/v1", "models": models}),
            )?,
            n,
        ));
    }
    let header: Vec<String> = [
        "model",
        "provider",
        "scope",
        "regions",
        "input",
        "output",
        "cache read",
        "cache write 5m/1h",
        "batch in/out",
        "as of",
    ]
    .map(String::from)
    .to_vec();
    let mut rows = vec![];
    for m in &models {
        for p in &m.prices {
            let g = |k: &str| p.rates.get(k);
            rows.push(vec![
                m.key.clone(),
                m.provider.clone(),
                p.scope.as_str().to_string(),
                p.regions.join(" "),
                dash(g("input")),
                dash(g("output")),
                dash(g("cache_read")),
                format!(
                    "{}/{}",
                    dash(g("cache_write_5m")),
                    dash(g("cache_write_1h"))
                ),
                format!("{}/{}", dash(g("batch_input")), dash(g("batch_output"))),
                p.as_of.clone(),
            ]);
        }
    }
    if format == Format::Csv {
        // One rate per column, empty where the model has none: for spreadsheets and scripts.
        let rates = [
            "input",
            "output",
            "cache_read",
            "cache_write_5m",
            "cache_write_1h",
            "batch_input",
            "batch_output",
        ];
        let mut header: Vec<String> = ["model", "provider", "scope", "regions"]
            .map(String::from)
            .to_vec();
        header.extend(rates.iter().map(|r| r.to_string()));
        header.push("as_of".into());
        let mut rows = vec![];
        for m in &models {
            for p in &m.prices {
                let mut row = vec![
                    m.key.clone(),
                    m.provider.clone(),
                    p.scope.as_str().to_string(),
                    p.regions.join(" "),
                ];
                row.extend(
                    rates
                        .iter()
                        .map(|r| p.rates.get(*r).cloned().unwrap_or_default()),
                );
                row.push(p.as_of.clone());
                rows.push(row);
            }
        }
        return Ok((render::csv(&header, &rows)?, models.len()));
    }
    let note = "USD per 1M tokens. `pricing show <model>` lists every rate with its source.\n";
    let g = Grid {
        header,
        rows,
        first_numeric: 4,
    }
    .render(format == Format::Markdown);
    Ok((format!("{g}{note}"), models.len()))
}

fn find_model<'c>(env: &'c Env, name: &str) -> anyhow::Result<&'c Model> {
    if let Some(m) = env.catalog.by_key(name) {
        return Ok(m);
    }
    let r = Resolver::new(&env.catalog, &env.map).resolve(name);
    match r.model_idx {
        Some(i) => Ok(env.catalog.model(i)),
        None => {
            let close = env.catalog.similar_keys(name);
            Err(UsageError::new(
                format!("`{}` is not in the price catalog", crate::io::clean(name)),
                if close.is_empty() {
                    "`bedrock-lens pricing list` shows every model".to_string()
                } else {
                    format!("did you mean: {}?", close.join(", "))
                },
            )
            .into())
        }
    }
}

pub(super) fn show(env: &Env, name: &str, format: Format) -> anyhow::Result<String> {
    let v = model_view(find_model(env, name)?);
    if format == Format::Json {
        return render::json(
            &serde_json::json!({"schema": "bedrock-lens/pricing/v1", "models": [v]}),
        );
    }
    let mut out = format!(
        "{} ({}), catalog key {}\nids: {}\nsource: {}, as of {}\n",
        v.name,
        v.provider,
        v.key,
        v.ids.join(", "),
        v.source,
        v.as_of
    );
    if let Some(t) = v.long_context_threshold {
        out.push_str(&format!("long-context rates apply when a request's input + cache read + cache write exceeds {t} tokens\n"));
    }
    let header: Vec<String> = ["scope", "regions", "rate", "USD", "unit"]
        .map(String::from)
        .to_vec();
    let mut rows = vec![];
    for p in &v.prices {
        for (k, val) in &p.rates {
            let unit = if k.ends_with("_hour") {
                "per model unit-hour"
            } else if k.contains("tpm_month") {
                "per 1K TPM-month"
            } else {
                "per 1M tokens"
            };
            rows.push(vec![
                p.scope.as_str().into(),
                p.regions.join(" "),
                k.clone(),
                val.clone(),
                unit.into(),
            ]);
        }
    }
    Ok(match format {
        Format::Csv => render::csv(&header, &rows)?,
        f => {
            out.push_str(
                &Grid {
                    header,
                    rows,
                    first_numeric: 3,
                }
                .render(f == Format::Markdown),
            );
            out
        }
    })
}
