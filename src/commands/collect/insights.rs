//! `collect logs --server-side`: Logs Insights sums per model, region and hour into
//! `log-aggregates.parquet` (the logs stay in CloudWatch; only sums come back).

use serde_json::json;

use super::{details, Ctx, Done};
use crate::cli::CollectLogsArgs;
use crate::collect::aws;
use crate::collect::cloudwatch_logs::{self as logs, LogCalls};
use crate::money::{group_thousands, micros_usd};
use crate::render;
use crate::snapshot::{self, Regions, Saved};

pub async fn run(ctx: &Ctx, a: &CollectLogsArgs) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = LogCalls::default();
    let mut rows: Vec<(String, logs::Row)> = vec![];
    let mut ok_parts: Vec<(String, String)> = vec![];
    for region in &ctx.regions {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_cloudwatchlogs::Client::new(&conf);
        for group in &a.log_group {
            let target = ctx.log_target(&client, region, group);
            let poll = std::time::Duration::from_millis(500);
            match logs::insights(&target, &mut calls, poll).await {
                Ok(r) => {
                    done.any_ok = true;
                    ok_parts.push((region.clone(), group.clone()));
                    rows.extend(r.into_iter().map(|row| {
                        let mut row = row;
                        row.push(("log_group".into(), group.clone()));
                        (region.clone(), row)
                    }));
                }
                Err(f) => done.failures.push(f),
            }
        }
    }
    done.count("StartQuery", calls.start_query);
    done.count("GetQueryResults", calls.get_query_results);
    done.cost_micros = logs::insights_cost_micros(calls.bytes_scanned);
    done.notes.push(format!(
        "Logs Insights scanned {} bytes ({} records): {} at $0.005 per GB",
        group_thousands(calls.bytes_scanned),
        group_thousands(calls.records_scanned),
        micros_usd(done.cost_micros)
    ));
    done.summary = render::collect::insights_summary(&rows);
    let _writing = ctx.write.lock().await;
    if let (Some(dir), true) = (&ctx.out, done.any_ok) {
        let path = dir.join(snapshot::LOG_AGGREGATES);
        let account = ctx.account.clone().unwrap_or_default();
        let n = snapshot::log_aggregates::save(&path, &rows, &account, &ok_parts, &ctx.window)?;
        let saved = Saved {
            name: "log_aggregates",
            file: snapshot::LOG_AGGREGATES,
            rows: n,
            // Recorded as collected only when every (region, log group) completed.
            window: (ok_parts.len() == ctx.regions.len() * a.log_group.len())
                .then(|| ctx.window.clone()),
            regions: Regions::Add(ok_parts.iter().map(|(r, _)| r.clone()).collect()),
            accounts: ctx.account.iter().cloned().collect(),
        };
        let (s, e) = (ctx.window.start.timestamp(), ctx.window.end.timestamp());
        let fields = details([
            ("bytes_scanned", json!(calls.bytes_scanned)),
            ("query", json!(logs::insights_query(s, e))),
        ]);
        done.save(dir, saved, fields)?;
    }
    Ok(done)
}
