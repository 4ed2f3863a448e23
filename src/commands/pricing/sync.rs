//! `pricing sync`: AWS Price List offer files (given or fetched) -> the diff against the
//! built-in catalog, the SKUs and models it could not map, and with --out the new catalog files.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Outcome, UsageError};
use crate::io::{clean, emit};
use crate::money::group_thousands;
use crate::pricing::catalog::{EMBEDDED, OVERLAY};
use crate::pricing::feed::{parse_offer, Offer};
use crate::pricing::sync::{sync, to_toml, Change, SyncResult};
use crate::pricing::Catalog;
use crate::render::{self, Format, Grid};

/// The arguments of `pricing sync`.
pub(super) struct SyncArgs<'a> {
    pub from: &'a [PathBuf],
    pub fetch: bool,
    pub regions: &'a [String],
    pub out: Option<&'a Path>,
    pub format: Format,
    pub quiet: bool,
}

#[derive(Serialize)]
struct SyncDoc<'a> {
    schema: &'static str,
    #[serde(flatten)]
    result: &'a SyncResult,
    written: Vec<String>,
}

pub(super) fn sync_cmd(a: &SyncArgs) -> anyhow::Result<Outcome> {
    if a.format == Format::Csv {
        return Err(UsageError::new(
            "pricing sync has no CSV form (a diff, unknown models and unmapped SKUs are not one table)",
            "use --format table (the default), markdown or json",
        )
        .into());
    }
    if !a.fetch && a.from.is_empty() {
        return Err(UsageError::new(
            "pricing sync needs offer files: --from FILE... or --fetch",
            "download the AmazonBedrock and AmazonBedrockFoundationModels offer files, or let --fetch get them (public, no credentials)",
        )
        .into());
    }
    let offers = if a.fetch {
        crate::collect::price_list::fetch_offers(crate::pricing::feed::OFFERS, a.regions, a.quiet)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{e:#}\n  hint: no network here? download the offer files on a machine that has it and use --from"
                )
            })?
            .into_iter()
            .map(|(url, text)| parse_offer(&url, &text).map_err(anyhow::Error::from))
            .collect::<anyhow::Result<Vec<Offer>>>()?
    } else {
        read_offers(a.from)?
    };
    let base = Catalog::feed_only()?;
    let result = sync(&base, &offers);
    let written = match a.out {
        Some(dir) => write_catalog(dir, &result)?,
        None => vec![],
    };
    let text = if a.format == Format::Json {
        render::json(&SyncDoc {
            schema: "bedrock-lens/pricing-sync/v1",
            result: &result,
            written: written.clone(),
        })?
    } else {
        human(&result, &written, a.out, a.format == Format::Markdown)
    };
    emit(&text)?;
    Ok(Outcome::Ok)
}

/// Reads each file; a file that is not a Bedrock offer is a usage error naming it.
fn read_offers(files: &[PathBuf]) -> anyhow::Result<Vec<Offer>> {
    let mut out = vec![];
    for f in files {
        let text = std::fs::read_to_string(f).map_err(|e| {
            UsageError::new(
                format!(
                    "--from {}: {}",
                    clean(&f.display().to_string()),
                    crate::io::io_reason(&e)
                ),
                "give AWS Price List offer files (index.json of AmazonBedrock or AmazonBedrockFoundationModels)",
            )
        })?;
        let offer = parse_offer(&f.display().to_string(), &text).map_err(|e| {
            UsageError::new(
                e.to_string(),
                "download them from https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonBedrock/current/region_index.json (and AmazonBedrockFoundationModels), or use --fetch",
            )
        })?;
        out.push(offer);
    }
    Ok(out)
}

/// Writes one feed file per built-in feed file that holds a synced model, and the overlay.
fn write_catalog(dir: &Path, r: &SyncResult) -> anyhow::Result<Vec<String>> {
    if dir.exists() && !dir.is_dir() {
        return Err(UsageError::new(
            format!("--out {}: not a directory", dir.display()),
            "give a directory for the catalog files",
        )
        .into());
    }
    std::fs::create_dir_all(dir.join("overlay"))?;
    let mut written = vec![];
    for (path, _) in EMBEDDED {
        let models: Vec<_> = r
            .catalog
            .iter()
            .filter(|m| m.rows().any(|(_, row)| row.origin == *path))
            .collect();
        let name = Path::new(path).file_name().expect("a file name");
        let header = format!(
            "Amazon Bedrock prices from the AWS Price List ({}), USD per 1M tokens.\n\
             Written by `bedrock-lens pricing sync`; the curated overlay (overlay/) fills what the feed lacks.\n\
             Field reference: the README's \"Prices\" section.",
            r.offers
                .iter()
                .map(|o| format!("{} {}", o.offer, o.version))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(", ")
        );
        let target = dir.join(name);
        if models.is_empty() {
            // Nothing of it is priced by the offers read: no file (an empty one is not a
            // catalog), and an earlier sync's file there would be stale.
            if target.is_file() {
                std::fs::remove_file(&target)?;
            }
            eprintln!(
                "note: {} not written: the offers read price none of its models",
                target.display()
            );
            continue;
        }
        crate::io::write_atomic(&target, to_toml(&header, &models).as_bytes())?;
        written.push(target.display().to_string());
    }
    for (path, text) in OVERLAY {
        let name = Path::new(path).file_name().expect("a file name");
        let target = dir.join("overlay").join(name);
        crate::io::write_atomic(&target, text.as_bytes())?;
        written.push(target.display().to_string());
    }
    Ok(written)
}

fn human(r: &SyncResult, written: &[String], out: Option<&Path>, markdown: bool) -> String {
    let mut s = String::new();
    for o in &r.offers {
        s.push_str(&format!(
            "AWS Price List {} {} (published {}; regions: {}): {} token rate(s) read, {} SKU(s) not mapped\n",
            o.offer,
            o.version,
            o.published,
            if o.regions.is_empty() {
                "none".to_string()
            } else {
                o.regions.join(", ")
            },
            group_thousands(o.rates as u64),
            group_thousands(o.unmapped as u64)
        ));
    }
    let count = |c: Change| r.diff.iter().filter(|d| d.change == c).count();
    s.push_str(&format!(
        "\nAgainst the built-in catalog: {} added, {} changed, {} removed (USD per 1M tokens)\n",
        count(Change::Added),
        count(Change::Changed),
        count(Change::Removed)
    ));
    if !r.diff.is_empty() {
        let rows = r
            .diff
            .iter()
            .map(|d| {
                vec![
                    d.model.clone(),
                    d.region.clone(),
                    d.scope.as_str().to_string(),
                    d.field.clone(),
                    format!("{:?}", d.change).to_lowercase(),
                    d.old.clone().unwrap_or_else(|| "-".into()),
                    d.new.clone().unwrap_or_else(|| "-".into()),
                ]
            })
            .collect();
        let g = Grid {
            header: ["model", "region", "scope", "field", "change", "old", "new"]
                .map(String::from)
                .to_vec(),
            rows,
            first_numeric: 5,
        };
        s.push_str(&g.render(markdown));
    }
    if !r.unknown_models.is_empty() {
        s.push_str(&format!(
            "\nModels the feed prices that the catalog does not know by name ({}): add each to an overlay file with its key, ids and feed_names, then sync again:\n",
            r.unknown_models.len()
        ));
        for u in &r.unknown_models {
            s.push_str(&format!(
                "  \"{}\": {} SKU(s) in {}\n",
                clean(&u.name),
                u.skus,
                u.regions.join(", ")
            ));
        }
    }
    if !r.unmapped.is_empty() {
        s.push_str(&format!(
            "\nSKUs not mapped to a catalog field ({}; never guessed):\n",
            r.unmapped.len()
        ));
        for u in &r.unmapped {
            s.push_str(&format!(
                "  {} {} {} ({}): {}\n",
                u.offer,
                if u.region.is_empty() { "-" } else { &u.region },
                clean(&u.usagetype),
                clean(u.model_name.as_deref().unwrap_or("no model name")),
                clean(&u.reason)
            ));
        }
    }
    if !r.billing_names_added.is_empty() {
        let list: Vec<String> = r
            .billing_names_added
            .iter()
            .map(|b| format!("{} ({})", clean(&b.billing_name), clean(&b.model)))
            .collect();
        s.push_str(&format!(
            "\nBilling names from the usage types, so the bill maps to these models: {}\n",
            list.join(", ")
        ));
    }
    for c in &r.conflicts {
        s.push_str(&format!("conflict: {}\n", clean(c)));
    }
    match out {
        Some(dir) => s.push_str(&format!(
            "\nwrote {} file(s) to {}; check them with `bedrock-lens pricing check {}`, use them with --pricing {}\n",
            written.len(),
            dir.display(),
            dir.display(),
            dir.display()
        )),
        None => s.push_str("\nnothing written: pass --out DIR to write the new catalog files\n"),
    }
    s
}
