//! `pricing list|show|resolve|template|check`: the catalog, readable by people and scripts.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cli::PricingCommand;
use crate::error::{Outcome, UsageError};
use crate::money::PricePerMillion;
use crate::pricing::{
    cost::price_row, geo_home, Catalog, Model, PriceRow, Resolution, Resolver, Scope, TokenRates,
};
use crate::render::{self, Format, Grid};

use crate::io::emit;
use crate::settings::Env;

/// Every rate a row has, as (field name, exact decimal text), in file order.
pub fn rate_fields(row: &PriceRow) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut tok = |prefix: &str, t: &TokenRates| {
        let f = |v: Option<PricePerMillion>| v.map(|p| p.to_decimal().to_string());
        for (name, v) in [
            ("input", f(t.input)),
            ("output", f(t.output)),
            ("cache_read", f(t.cache_read)),
            ("cache_write_5m", f(t.cache_write_5m)),
            ("cache_write_1h", f(t.cache_write_1h)),
        ] {
            if let Some(v) = v {
                out.push((format!("{prefix}{name}"), v));
            }
        }
    };
    tok("", &row.standard);
    tok("long_", &row.long_context);
    tok("batch_", &row.batch);
    tok("flex_", &row.flex);
    tok("priority_", &row.priority);
    for (name, v) in [
        (
            "reserved_input_1k_tpm_month",
            row.reserved_input_1k_tpm_month,
        ),
        (
            "reserved_output_1k_tpm_month",
            row.reserved_output_1k_tpm_month,
        ),
        ("provisioned_no_commit_hour", row.provisioned_no_commit_hour),
        ("provisioned_1_month_hour", row.provisioned_1_month_hour),
        ("provisioned_6_month_hour", row.provisioned_6_month_hour),
    ] {
        if let Some(v) = v {
            out.push((name.to_string(), v.normalize().to_string()));
        }
    }
    out
}

#[derive(Serialize)]
struct RowView {
    regions: Vec<String>,
    scope: Scope,
    rates: BTreeMap<String, String>,
    source: String,
    as_of: String,
    file: String,
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
fn row_views(m: &Model) -> Vec<RowView> {
    let mut views: Vec<(Vec<String>, &PriceRow)> = vec![];
    for ((region, _), row) in &m.prices {
        let same = |r: &PriceRow| {
            r.scope == row.scope
                && rate_fields(r) == rate_fields(row)
                && r.as_of == row.as_of
                && r.source == row.source
        };
        match views.iter_mut().find(|(_, r)| same(r)) {
            Some((regions, _)) => regions.push(region.clone()),
            None => views.push((vec![region.clone()], row)),
        }
    }
    views
        .into_iter()
        .map(|(regions, r)| RowView {
            regions,
            scope: r.scope,
            rates: rate_fields(r).into_iter().collect(),
            source: r.source.clone(),
            as_of: r.as_of.to_string(),
            file: r.origin.clone(),
        })
        .collect()
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
fn nothing_listed(
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
fn list(
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
            let close: Vec<&str> = env
                .catalog
                .models
                .iter()
                .map(|m| m.key.as_str())
                .filter(|k| k.split(['.', '-']).any(|w| w.len() > 2 && name.contains(w)))
                .take(5)
                .collect();
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

fn show(env: &Env, name: &str, format: Format) -> anyhow::Result<String> {
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

#[derive(Serialize)]
struct ResolveView<'a> {
    schema: &'static str,
    #[serde(flatten)]
    resolution: &'a Resolution,
    region: String,
    price_row: Option<RowView>,
}

/// The region an id is looked at in: the one given, else the ARN's, else one of the profile's
/// geography (a geo profile is called from inside it), else us-east-1.
fn region_of(r: &Resolution, region: Option<&str>) -> String {
    let home = r.geo.as_deref().and_then(geo_home).unwrap_or("us-east-1");
    region
        .map(str::to_string)
        .or_else(|| r.arn_region.clone())
        .unwrap_or_else(|| home.into())
}

/// A TOML string (JSON's escapes are TOML's).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A price file for one id, to fill in: the rates the catalog has for it in `region` (to edit),
/// or empty ones (which `pricing check` and `--pricing` refuse until they are filled in), and
/// always an empty `source`, which must say where the prices come from.
fn template(env: &Env, id: &str, region: Option<&str>) -> anyhow::Result<String> {
    let r = Resolver::new(&env.catalog, &env.map).resolve(id);
    let region = region_of(&r, region);
    let Some(base) = r.base_id.clone().filter(|b| !b.trim().is_empty()) else {
        return Err(UsageError::new(
            format!(
                "`{}` names no model: {}",
                crate::io::clean(id),
                r.unpriced_reason.as_deref().unwrap_or("nothing to price")
            ),
            "map application profiles and provisioned models with --inference-profiles FILE (see README)",
        )
        .into());
    };
    let model = r.model_idx.map(|i| env.catalog.model(i));
    let (key, name, provider, ids) = match model {
        Some(m) => (
            m.key.clone(),
            m.name.clone(),
            m.provider.clone(),
            m.ids.clone(),
        ),
        None => (
            template_key(&base),
            String::new(),
            String::new(),
            vec![base],
        ),
    };
    let row = model.and_then(|m| m.price(&region, r.scope));
    let mut s = format!(
        "# Prices for {}, for `bedrock-lens --pricing FILE`. Fill in `source`, `as_of` and every empty rate,\n\
         # then run `bedrock-lens pricing check FILE`. Rates are USD per 1M tokens, as strings (exact).\n",
        crate::io::clean(id)
    );
    if let Some(row) = row {
        s.push_str(&format!(
            "# The rates below are the catalog's ({}, as of {}): edit them to yours.\n",
            crate::io::clean(&row.source),
            row.as_of
        ));
    }
    s.push_str(&format!("\n[[model]]\nkey = {}\n", toml_str(&key)));
    for (field, value) in [("name", &name), ("provider", &provider)] {
        if !value.is_empty() {
            s.push_str(&format!("{field} = {}\n", toml_str(value)));
        }
    }
    // What the rates below rest on: long_* rates need the threshold they apply above.
    let counts = model.map(|m| {
        [
            ("long_context_threshold", m.long_context_threshold),
            ("tpm_per_unit", m.tpm_per_unit),
        ]
    });
    for (field, value) in counts.into_iter().flatten() {
        if let Some(v) = value {
            s.push_str(&format!("{field} = {v}\n"));
        }
    }
    // The row's own scope where the catalog has one; a new model's geo profile is priced by a
    // regional row (it covers in-region and geo calls).
    let scope = match (row, r.scope) {
        (Some(row), _) => row.scope,
        (None, Scope::Global) => Scope::Global,
        (None, _) => Scope::Regional,
    };
    s.push_str(&format!(
        "ids = [{}]\nsource = \"\"        # where these prices come from (required)\nas_of = \"\"         # the day they were read, YYYY-MM-DD (required)\n\n\
         [[model.price]]\nregions = [{}]\nscope = \"{}\"    # regional (in-region and geo profiles) | geo | global\n",
        ids.iter().map(|i| toml_str(i)).collect::<Vec<_>>().join(", "),
        toml_str(&region),
        scope.as_str(),
    ));
    match row {
        Some(row) => {
            for (field, value) in rate_fields(row) {
                s.push_str(&format!("{field} = {}\n", toml_str(&value)));
            }
        }
        None => s.push_str(
            "input = \"\"         # USD per 1M input tokens (required)\n\
             output = \"\"        # USD per 1M output tokens (leave out for embeddings)\n\
             # cache_read = \"\"  # and cache_write_5m, cache_write_1h, batch_input, batch_output, ...\n",
        ),
    }
    Ok(s)
}

/// A catalog key for an unknown base model id: the id without its version suffixes
/// (`anthropic.claude-opus-5-20261015-v1:0` -> `anthropic.claude-opus-5`).
fn template_key(base: &str) -> String {
    let mut k = base.split(':').next().unwrap_or(base).to_string();
    if let Some((head, v)) = k.rsplit_once("-v") {
        if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) {
            k = head.to_string();
        }
    }
    if let Some((head, date)) = k.rsplit_once('-') {
        if date.len() == 8 && date.chars().all(|c| c.is_ascii_digit()) {
            k = head.to_string();
        }
    }
    k.chars().filter(|c| !c.is_whitespace()).collect()
}

fn resolve(env: &Env, id: &str, region: Option<&str>, format: Format) -> anyhow::Result<String> {
    let r = Resolver::new(&env.catalog, &env.map).resolve(id);
    let region = region_of(&r, region);
    let row = price_row(&env.catalog, &r, &region);
    let view = ResolveView {
        schema: "bedrock-lens/resolve/v1",
        resolution: &r,
        region: region.clone(),
        price_row: row.as_ref().ok().map(|row| RowView {
            regions: vec![region.clone()],
            scope: row.scope,
            rates: rate_fields(row).into_iter().collect(),
            source: row.source.clone(),
            as_of: row.as_of.to_string(),
            file: row.origin.clone(),
        }),
    };
    if format == Format::Json {
        return render::json(&view);
    }
    let mut out = format!("id:       {id}\nkind:     {}", r.kind.as_str());
    if let Some(g) = &r.geo {
        out.push_str(&format!(" ({g})"));
    }
    out.push_str(&format!(
        "\nbase id:  {}\nmodel:    {}\nregion:   {region}\n",
        r.base_id.as_deref().unwrap_or("-"),
        r.model.as_deref().unwrap_or("(not in catalog)")
    ));
    out.push_str("steps:\n");
    for s in &r.steps {
        out.push_str(&format!("  - {s}\n"));
    }
    match (&row, &view.price_row) {
        (Ok(row), Some(v)) => {
            out.push_str(&format!(
                "price row: {} rates for {region} (source: {}, as of {})\n",
                row.scope.as_str(),
                row.source,
                row.as_of
            ));
            for (k, val) in &v.rates {
                out.push_str(&format!("  {k:<30} {val}\n"));
            }
        }
        (Err(reason), _) => out.push_str(&format!("not priced: {reason}\n")),
        _ => {}
    }
    Ok(crate::io::clean_lines(&out))
}

/// Validates the built-in catalog, then each given file on top of it, reporting every bad file.
fn check(g: &crate::cli::GlobalArgs, paths: &[std::path::PathBuf]) -> anyhow::Result<Outcome> {
    let mut all = g.pricing.clone();
    all.extend(paths.iter().cloned());
    for p in &all {
        if !p.exists() {
            return Err(UsageError::new(
                format!("{}: no such file or directory", p.display()),
                "give price files (TOML/JSON) or directories of them",
            )
            .into());
        }
    }
    let mut failed = 0;
    let report = |e: &crate::pricing::CatalogError| {
        eprintln!("error: {e}");
    };
    if let Err(e) = Catalog::embedded() {
        report(&e);
        failed += 1;
    }
    for p in &all {
        if let Err(e) = Catalog::load(std::slice::from_ref(p)) {
            report(&e);
            failed += 1;
        }
    }
    if failed > 0 {
        eprintln!("hint: each [[model]] needs key, source, as_of and at least one [[model.price]] row with regions and input; the README shows the format");
        return Ok(Outcome::Partial);
    }
    match Catalog::load(&all) {
        Ok(c) => {
            let rows: usize = c.models.iter().map(|m| row_views(m).len()).sum();
            emit(&format!(
                "ok: {} models, {} price rows in {} file(s): {}\n",
                c.models.len(),
                rows,
                c.files.len(),
                c.files.join(", ")
            ))?;
            Ok(Outcome::Ok)
        }
        Err(e) => {
            // Each file is fine on its own but they clash (e.g. the same id under two keys).
            report(&e);
            Ok(Outcome::Partial)
        }
    }
}

pub fn cmd(g: &crate::cli::GlobalArgs, c: &PricingCommand) -> anyhow::Result<Outcome> {
    if let PricingCommand::Check { paths } = c {
        return check(g, paths);
    }
    let env = Env::load(g)?;
    let text = match c {
        PricingCommand::List {
            provider,
            region,
            format,
        } => {
            let (text, n) = list(
                &env.catalog,
                provider.as_deref(),
                region.as_deref(),
                *format,
            )?;
            if n == 0 {
                return nothing_listed(
                    &env,
                    provider.as_deref(),
                    region.as_deref(),
                    *format,
                    &text,
                );
            }
            text
        }
        PricingCommand::Show { model, format } => show(&env, model, *format)?,
        PricingCommand::Resolve { id, .. } if id.trim().is_empty() => {
            return Err(UsageError::new(
                "the id to resolve is empty",
                "give a model id, profile id or ARN as it appears in logs, metrics or bills",
            )
            .into())
        }
        PricingCommand::Resolve { format, .. } if *format == Format::Csv => {
            return Err(UsageError::new(
                "pricing resolve has no CSV form (one id's resolution steps are not a table)",
                "use --format table (the default), markdown or json",
            )
            .into())
        }
        PricingCommand::Resolve { id, region, format } => {
            resolve(&env, id, region.as_deref(), *format)?
        }
        PricingCommand::Template { id, region } => template(&env, id, region.as_deref())?,
        PricingCommand::Check { .. } => unreachable!(),
    };
    emit(&text)?;
    Ok(Outcome::Ok)
}
