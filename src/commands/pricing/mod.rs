//! `pricing list|show|resolve|template|check|sync`: the catalog, readable by people and scripts,
//! and brought up to date from the AWS Price List.

mod lifecycle;
mod resolve;
mod sync;
mod template;
mod views;

use crate::cli::PricingCommand;
use crate::error::{Outcome, UsageError};
use crate::io::emit;
use crate::pricing::Catalog;
use crate::render::Format;
use crate::settings::Env;

use resolve::resolve;
use template::template;
use views::{list, nothing_listed, row_views, show};

/// Validates the built-in catalog, then each given file on top of it, reporting every bad file.
fn check(
    g: &crate::cli::GlobalArgs,
    paths: &[std::path::PathBuf],
    logs: &[std::path::PathBuf],
) -> anyhow::Result<Outcome> {
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
            let mut out = format!(
                "ok: {} models, {} price rows in {} file(s): {}\n",
                c.models.len(),
                rows,
                c.files.len(),
                c.files.join(", ")
            );
            for s in &c.superseded {
                out.push_str(&format!("note: {s}\n"));
            }
            out.push_str(&lifecycle::ended(&c, logs)?);
            emit(&out)?;
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
    if let PricingCommand::Check { paths, logs } = c {
        return check(g, paths, logs);
    }
    if let PricingCommand::Sync {
        from,
        fetch,
        regions,
        out,
        format,
    } = c
    {
        return sync::sync_cmd(&sync::SyncArgs {
            from,
            fetch: *fetch,
            regions,
            out: out.as_deref(),
            format: *format,
            quiet: g.quiet,
        });
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
        PricingCommand::Check { .. } | PricingCommand::Sync { .. } => unreachable!(),
    };
    emit(&text)?;
    Ok(Outcome::Ok)
}
