//! `collect costs`: Cost Explorer's daily Bedrock cost into `costs.parquet`, and its credits,
//! refunds, discounts and tax per record type into `record-types.parquet`.

use std::collections::BTreeSet;

use chrono::NaiveDate;

use serde_json::json;

use super::{details, Ctx, Done};
use crate::cli::CollectCostsArgs;
use crate::collect::aws;
use crate::collect::cost_explorer::{self as costs, CeCalls};
use crate::render;
use crate::snapshot::{self, Regions, Saved, Window};
use crate::usage::Diagnostics;

pub async fn run(ctx: &Ctx, a: &CollectCostsArgs) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = CeCalls::default();
    let (start, end) = costs::days(ctx.window.start, ctx.window.end);
    let conf = aws::for_region(&ctx.base, "us-east-1");
    let client = aws_sdk_costexplorer::Client::new(&conf);
    let services = if a.service.is_empty() {
        costs::services(&client, start, end, &mut calls).await
    } else {
        Ok(a.service.clone())
    };
    let r = match services {
        Ok(s) if s.is_empty() => Ok((s, vec![])),
        Ok(s) => costs::fetch(&client, &s, a.linked_account, start, end, &mut calls)
            .await
            .map(|rows| (s, rows)),
        Err(f) => Err(f),
    };
    // Credits, refunds and discounts apart: a failure here loses only them (said, exit 1).
    let record_types = match &r {
        Ok((s, _)) if !s.is_empty() => {
            let got =
                costs::fetch_record_types(&client, s, a.linked_account, start, end, &mut calls)
                    .await;
            match got {
                Ok(rows) => Some(rows),
                Err(f) => {
                    done.failures.push(f);
                    None
                }
            }
        }
        _ => None,
    };
    done.count("GetCostAndUsage", calls.get_cost_and_usage);
    done.count("GetDimensionValues", calls.get_dimension_values);
    done.cost_micros = calls.cost_micros();
    let (services, rows) = match r {
        Ok(x) => x,
        Err(f) => {
            done.failures.push(f);
            done.summary = "No cost collected.\n".into();
            return Ok(done);
        }
    };
    done.any_ok = true;
    done.summary = render::collect::costs_summary(&rows, &services);
    if let Some(rt) = &record_types {
        let with_account: Vec<_> = rt.iter().map(|r| (None, r.clone())).collect();
        let adj = crate::output::bill::adjustments(&with_account, None, None);
        done.summary
            .push_str(&render::bill::adjustments_section(Some(&adj), false));
    }
    let unparsed: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.parsed.is_none())
        .map(|r| r.usage_type.as_str())
        .collect();
    if !unparsed.is_empty() {
        done.notes.push(format!(
            "note: {} usage type(s) not recognised, kept as unparsed rows: {}",
            unparsed.len(),
            unparsed.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    let _writing = ctx.write.lock().await;
    if let Some(dir) = &ctx.out {
        let path = dir.join(snapshot::COSTS);
        let mut dropped = Diagnostics::default();
        let account = ctx.account.as_deref();
        let (n, regions) =
            snapshot::costs::save(&path, &rows, account, start, end, &services, &mut dropped)?;
        super::warn_dropped(&path, &dropped);
        let record_type_rows = match &record_types {
            Some(rt) => Some(snapshot::record_types::save(
                &dir.join(snapshot::RECORD_TYPES),
                rt,
                account,
                (start, end),
                &services,
            )?),
            None => None,
        };
        let accounts: Vec<String> = rows
            .iter()
            .filter_map(|r| r.linked_account.clone())
            .collect();
        let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
        let saved = Saved {
            name: "costs",
            file: snapshot::COSTS,
            rows: n,
            window: Some(Window {
                start: midnight(start),
                end: midnight(end),
            }),
            // Those of the file's rows (replaced rows take theirs along).
            regions: Regions::Exactly(regions),
            accounts: accounts.into_iter().chain(ctx.account.clone()).collect(),
        };
        let unparsed: Vec<String> = unparsed.iter().map(|s| s.to_string()).collect();
        let fields = details([
            ("services", json!(services)),
            ("unparsed_usage_types", json!(unparsed)),
            ("grouped_by_linked_account", json!(a.linked_account)),
            ("record_type_rows", json!(record_type_rows)),
        ]);
        done.save(dir, saved, fields)?;
    }
    Ok(done)
}
