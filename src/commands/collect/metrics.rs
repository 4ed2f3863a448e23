//! `collect metrics`: ListMetrics + GetMetricData per region into `metrics.parquet`.

use std::collections::HashSet;

use serde_json::json;

use super::{details, progress, Ctx, Done};
use crate::cli::CollectMetricsArgs;
use crate::collect::aws;
use crate::collect::cloudwatch_metrics::{self as metrics, Calls, Point, SeriesKey};
use crate::collect::metric_plan;
use crate::money::group_thousands;
use crate::render;
use crate::snapshot::{self, Regions, Saved};
use crate::usage::Diagnostics;

pub async fn run(ctx: &Ctx, a: &CollectMetricsArgs, period: u32) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    let mut calls = Calls::default();
    let mut points: Vec<Point> = vec![];
    let mut ok_regions = vec![];
    // (region, model id, metric, statistic) of every series asked for: only those replace
    // earlier rows (a model ListMetrics no longer lists keeps its saved points).
    let mut asked: HashSet<SeriesKey> = HashSet::new();
    let bar = progress(ctx, "collecting CloudWatch metrics");
    for region in &ctx.regions {
        let conf = aws::for_region(&ctx.base, region);
        let client = aws_sdk_cloudwatch::Client::new(&conf);
        let window = (ctx.window.start, ctx.window.end);
        let r = metrics::collect(
            &client,
            region,
            &a.model_id,
            window,
            period as i32,
            &mut calls,
        )
        .await;
        match r {
            Ok((p, series)) => {
                asked.extend(series);
                points.extend(p);
                ok_regions.push(region.clone());
            }
            Err(f) => done.failures.push(f),
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    done.count("ListMetrics", calls.list_metrics);
    done.count("GetMetricData", calls.get_metric_data);
    done.cost_micros = metric_plan::cost_micros(calls.metrics_requested);
    done.notes.push(format!(
        "metrics requested: {} (GetMetricData bills $0.01 per 1,000)",
        group_thousands(calls.metrics_requested)
    ));
    done.any_ok = !ok_regions.is_empty();
    done.summary = render::collect::metrics_summary(&points);
    let _writing = ctx.write.lock().await;
    if let (Some(dir), true) = (&ctx.out, done.any_ok) {
        let path = dir.join(snapshot::METRICS);
        let w = &ctx.window;
        let mut dropped = Diagnostics::default();
        let account = ctx.account.as_deref();
        let n = snapshot::metrics::save(&path, points, account, period, w, &asked, &mut dropped)?;
        super::warn_dropped(&path, &dropped);
        let saved = Saved {
            name: "metrics",
            file: snapshot::METRICS,
            rows: n,
            // Recorded as collected only when every region completed.
            window: (ok_regions.len() == ctx.regions.len()).then(|| w.clone()),
            regions: Regions::Add(ok_regions),
            accounts: ctx.account.iter().cloned().collect(),
        };
        let fields = details([
            ("period_seconds", json!(period)),
            ("metrics_requested", json!(calls.metrics_requested)),
        ]);
        done.save(dir, saved, fields)?;
    }
    Ok(done)
}
