//! `pricing resolve`: what an id from a log, metric or bill resolves to, and the price row that
//! applies in a region.

use serde::Serialize;

use crate::pricing::{cost::price_row, geo_home, Resolution, Resolver};
use crate::render::{self, Format};
use crate::settings::Env;

use super::views::RowView;

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
pub(super) fn region_of(r: &Resolution, region: Option<&str>) -> String {
    let home = r.geo.as_deref().and_then(geo_home).unwrap_or("us-east-1");
    region
        .map(str::to_string)
        .or_else(|| r.arn_region.clone())
        .unwrap_or_else(|| home.into())
}

pub(super) fn resolve(
    env: &Env,
    id: &str,
    region: Option<&str>,
    format: Format,
) -> anyhow::Result<String> {
    let r = Resolver::new(&env.catalog, &env.map).resolve(id);
    let region = region_of(&r, region);
    let row = price_row(&env.catalog, &r, &region, chrono::Utc::now().date_naive());
    let view = ResolveView {
        schema: "bedrock-lens/resolve/v1",
        resolution: &r,
        region: region.clone(),
        price_row: row
            .as_ref()
            .ok()
            .map(|row| RowView::of(vec![region.clone()], row)),
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
