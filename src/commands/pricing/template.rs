//! `pricing template`: a price file to fill in for one id.

use crate::error::UsageError;
use crate::pricing::{Resolver, Scope};
use crate::settings::Env;

use super::resolve::region_of;
use super::views::rate_fields;

/// A TOML string (JSON's escapes are TOML's).
fn toml_str(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

/// A price file for one id, to fill in: the rates the catalog has for it in `region` (to edit),
/// or empty ones (which `pricing check` and `--pricing` refuse until they are filled in), and
/// always an empty `source`, which must say where the prices come from.
pub(super) fn template(env: &Env, id: &str, region: Option<&str>) -> anyhow::Result<String> {
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
