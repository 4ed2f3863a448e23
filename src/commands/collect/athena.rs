//! `collect logs --athena`: the S3 logs summed where they are by one Athena query: the scan
//! estimated from the object listing and refused above `--max-scan-usd`, the table created only
//! with `--athena-create`, the query stopped on Ctrl-C, Athena's result reused only for windows
//! closed more than 2 hours ago, the busiest hour recomputed locally from the same objects
//! before anything is written, and the sums saved into `log-sums.parquet` with the query id,
//! SQL, bytes scanned and exact cost in the manifest.

use std::collections::BTreeMap;

use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::json;

use super::athena_check::{verify, Check};
use super::{Ctx, Done};
use crate::cli::CollectLogsArgs;
use crate::collect::athena::{self, scan_cost_usd, AthenaCalls, Returns};
use crate::collect::athena_sql::{by_words, ddl, query, Engine, Key, Query, FIXED_KEYS};
use crate::collect::aws::fault::Failure;
use crate::collect::s3_logs::{self as s3, S3Calls};
use crate::money::group_thousands;
use crate::settings::collect::AthenaPlan;
use crate::settings::Env;
use crate::snapshot::log_sums::{count_index, usage, Sums};
use crate::snapshot::{self, Regions, Saved};

/// How long a window must have been closed before Athena may reuse an earlier result of the
/// same query (later records can still arrive in a window closed less than this).
const REUSE_AFTER_HOURS: i64 = 2;
/// The age of a result Athena may reuse (its maximum, 7 days).
const REUSE_MINUTES: i32 = 7 * 24 * 60;

fn fail(region: &str, call: &str, message: String, hint: &str) -> Failure {
    Failure {
        source: "athena".into(),
        region: Some(region.to_string()),
        call: call.into(),
        message,
        hint: Some(hint.into()),
    }
}

pub async fn run(
    env: &Env,
    ctx: &Ctx,
    a: &CollectLogsArgs,
    plan: &AthenaPlan,
) -> anyhow::Result<Done> {
    let mut done = Done::new(ctx);
    // The query runs in the bucket's own region (GetBucketLocation), so Athena reads the logs
    // without moving them between regions; the first --region when the bucket cannot say.
    let first = crate::collect::aws::for_region(&ctx.base, &ctx.regions[0]);
    let s3_for = |conf: &aws_config::SdkConfig| {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(conf)
                .force_path_style(conf.endpoint_url().is_some())
                .build(),
        )
    };
    let bucket_calls = 1;
    let region = match s3_for(&first)
        .get_bucket_location()
        .bucket(&plan.bucket)
        .send()
        .await
    {
        // An empty constraint is us-east-1; EU is eu-west-1's old name.
        Ok(o) => match o.location_constraint().map(|c| c.as_str().to_string()) {
            None => "us-east-1".to_string(),
            Some(c) if c.is_empty() => "us-east-1".to_string(),
            Some(c) if c == "EU" => "eu-west-1".to_string(),
            Some(c) => c,
        },
        Err(e) => {
            let f = crate::collect::aws::fault::describe("s3", None, "s3", "GetBucketLocation", &e);
            if !ctx.quiet {
                eprintln!(
                    "note: the bucket's region is not known ({}): Athena runs in {}",
                    f.message, ctx.regions[0]
                );
            }
            ctx.regions[0].clone()
        }
    };
    if region != ctx.regions[0] && !ctx.quiet {
        eprintln!(
            "note: s3://{} is in {region}: the query runs there",
            plan.bucket
        );
    }
    let conf = crate::collect::aws::for_region(&ctx.base, &region);
    let s3c = s3_for(&conf);
    let client = aws_sdk_athena::Client::new(&conf);
    let accounts: Vec<String> = if a.target.accounts.is_empty() {
        ctx.account.iter().cloned().collect()
    } else {
        a.target.accounts.clone()
    };
    let (start, end) = (ctx.window.start, ctx.window.end);
    let mut s3_calls = S3Calls::default();
    let mut calls = AthenaCalls::default();
    let result = collect(
        env,
        ctx,
        a,
        plan,
        &accounts,
        (&client, &s3c, &region),
        (&mut calls, &mut s3_calls),
    )
    .await;
    done.count("GetBucketLocation", bucket_calls);
    done.count("ListObjectsV2", s3_calls.list_objects);
    done.count("GetObject", s3_calls.get_object);
    done.count("StartQueryExecution", calls.start_query_execution);
    done.count("GetQueryExecution", calls.get_query_execution);
    done.count("GetQueryResults", calls.get_query_results);
    done.count("StopQueryExecution", calls.stop_query_execution);
    let c = match result {
        Ok(c) => c,
        Err(f) => {
            done.cost_micros = s3_calls.cost_micros();
            done.failures.push(f);
            return Ok(done);
        }
    };
    let athena_cost = c.athena_cost;
    let micros = (athena_cost * Decimal::from(1_000_000)).ceil();
    done.cost_micros = s3_calls.cost_micros()
        + u64::try_from(micros.mantissa() / 10i128.pow(micros.scale())).unwrap_or(u64::MAX);
    done.any_ok = true;
    done.summary = summary(&c.sums);
    let Some(dir) = &ctx.out else {
        return Ok(done);
    };
    let _writing = ctx.write.lock().await;
    let path = dir.join(snapshot::LOG_SUMS);
    let rows = snapshot::log_sums::save(&path, &c.sums, &accounts, &ctx.window)?;
    let saved = Saved {
        name: "log_sums",
        file: snapshot::LOG_SUMS,
        rows,
        window: Some(ctx.window.clone()),
        regions: Regions::Add(c.log_regions.clone()),
        accounts: accounts.clone(),
    };
    snapshot::log_sums::save_objects(&dir.join(snapshot::LOG_SUMS_OBJECTS), &c.objects)?;
    let this = json!({
        "window": {"start": start, "end": end},
        "accounts": accounts,
        "query_id": c.query_id,
        "query": c.sql,
        "bytes_scanned": c.bytes_scanned,
        "athena_cost_usd": athena_cost.normalize().to_string(),
        "reused_result": c.reused,
        "objects": c.objects.len(),
        "object_bytes": c.object_bytes,
        "estimated_scan_usd": c.estimate.normalize().to_string(),
        "log_regions": c.log_regions,
        "verified_hour": c.verified,
    });
    let (location, cuts) = (
        format!("s3://{}/{}", plan.bucket, plan.prefix),
        c.cuts.clone(),
    );
    let fields = move |d: &mut std::collections::BTreeMap<String, serde_json::Value>| {
        // One entry per window collected (a window collected again replaces its entry).
        let mut all: Vec<serde_json::Value> = d
            .get("collections")
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default();
        all.retain(|e| e["window"] != this["window"] || e["accounts"] != this["accounts"]);
        all.push(this);
        d.insert("collections".into(), json!(all));
        d.insert("location".into(), json!(location));
        d.insert("athena_region".into(), json!(region));
        d.insert("long_context_thresholds".into(), json!(cuts));
    };
    done.save(dir, saved, fields)?;
    Ok(done)
}

/// What a collection computed, before anything is written.
struct Collected {
    sums: Sums,
    sql: String,
    query_id: String,
    bytes_scanned: u64,
    athena_cost: Decimal,
    reused: bool,
    /// The objects listed (key, bytes as stored): what `report --logs` would have read.
    objects: Vec<(String, u64)>,
    object_bytes: u64,
    estimate: Decimal,
    log_regions: Vec<String>,
    /// The long-context thresholds the query bucketed by.
    cuts: Vec<u64>,
    /// The hour checked against the records read locally, or why none was.
    verified: String,
}

/// Says `line` on stderr now (unless --quiet): the estimate and each step as they happen.
fn say(ctx: &Ctx, line: String) {
    if !ctx.quiet {
        eprintln!("{line}");
    }
}

async fn collect(
    env: &Env,
    ctx: &Ctx,
    a: &CollectLogsArgs,
    plan: &AthenaPlan,
    accounts: &[String],
    (client, s3c, region): (&aws_sdk_athena::Client, &aws_sdk_s3::Client, &str),
    (calls, s3_calls): (&mut AthenaCalls, &mut S3Calls),
) -> Result<Collected, Failure> {
    let x = &a.athena;
    let (start, end) = (ctx.window.start, ctx.window.end);
    let location = if plan.prefix.is_empty() {
        format!("s3://{}", plan.bucket)
    } else {
        format!("s3://{}/{}", plan.bucket, plan.prefix)
    };
    if accounts.is_empty() {
        return Err(fail(
            region,
            "sts:GetCallerIdentity",
            "no account to read: the credentials' account is unknown".into(),
            "name the accounts whose AWSLogs/ACCOUNT folders to read with --account ID",
        ));
    }
    // The result's key columns, and whether an earlier collection's sums can take them: known
    // before anything is paid for.
    let mut expected: Vec<String> = FIXED_KEYS.iter().map(|k| k.to_string()).collect();
    expected.extend(
        plan.keys
            .iter()
            .filter(|k| !matches!(k, Key::Day | Key::Hour))
            .map(Key::column),
    );
    if let Some(dir) = &ctx.out {
        let path = dir.join(snapshot::LOG_SUMS);
        if path.exists() {
            let old = snapshot::log_sums::read(&path).map_err(|e| {
                fail(
                    region,
                    "snapshot",
                    format!("{e:#}"),
                    "collect into another --out",
                )
            })?;
            if old.keys != expected {
                return Err(fail(
                    region,
                    "snapshot",
                    format!(
                        "{} holds sums grouped by {}; this collection asks for {}: they cannot be merged, and nothing was run",
                        path.display(),
                        by_words(&old.keys),
                        by_words(&expected)
                    ),
                    "collect with the same --by, or into another --out",
                ));
            }
        }
    }
    let cuts = env.catalog.long_context_thresholds();
    // What earlier Athena collections into this snapshot recorded (read once).
    let earlier = ctx
        .out
        .as_ref()
        .and_then(|dir| crate::snapshot::Manifest::load(dir).ok())
        .and_then(|m| m.sources.get("log_sums").cloned());
    let recorded: Option<Vec<u64>> = earlier
        .as_ref()
        .and_then(|e| e.details.get("long_context_thresholds").cloned())
        .and_then(|v| serde_json::from_value(v).ok());
    if let Some(r) = recorded.filter(|r| *r != cuts) {
        return Err(fail(
            region,
            "snapshot",
            format!(
                "the snapshot's Athena sums were bucketed by the long-context thresholds {r:?}; these prices have {cuts:?}: they cannot be merged, and nothing was run"
            ),
            "collect with the prices the snapshot was collected with (the same --pricing), or into another --out",
        ));
    }
    // The objects the query will scan: its estimate, and the objects `report --logs` would read.
    let listing = s3::list_window(
        s3c,
        &plan.bucket,
        &plan.prefix,
        accounts,
        start,
        end,
        s3_calls,
    )
    .await
    .map_err(|f| f.with_policy_args(&format!("--s3 {location}")))?;
    let objects = listing.objects;
    let log_regions = listing.regions;
    let object_bytes: u64 = objects.iter().map(|(_, n)| n).sum();
    let estimate = scan_cost_usd(object_bytes);
    if objects.is_empty() {
        let found = s3::accounts_under(s3c, &plan.bucket, &plan.prefix, s3_calls)
            .await
            .unwrap_or_default();
        return Err(fail(
            region,
            "scan estimate",
            format!(
                "no log objects under {location}/AWSLogs/{}/BedrockModelInvocationLogs/ in this window's hour folders; nothing was run",
                if accounts.len() == 1 { accounts[0].clone() } else { format!("{{{}}}", accounts.join(",")) }
            ),
            &if found.is_empty() {
                format!("{location} holds no AWSLogs/ACCOUNT/ folders: give the location Bedrock delivers to (the folder that holds AWSLogs/, not AWSLogs/ itself), or check --start/--end")
            } else {
                format!(
                    "the accounts with logs there are {}: name them with --account (the default is the credentials' own account), or check --start/--end",
                    found.join(",")
                )
            },
        ));
    }
    say(ctx, format!(
            "Athena will scan {} object(s) in {} log region(s), {} bytes as stored: estimated ${} at $5 per TB (10 MB minimum)",
            group_thousands(objects.len() as u64),
            log_regions.len(),
            group_thousands(object_bytes),
            estimate.round_dp(6).normalize()
        ),
    );
    if estimate > x.max_scan_usd {
        return Err(fail(
            region,
            "scan estimate",
            format!(
                "refused: the scan is estimated at ${} ({} bytes in {} objects), over --max-scan-usd {}; nothing was run",
                estimate.round_dp(6).normalize(),
                group_thousands(object_bytes),
                group_thousands(objects.len() as u64),
                x.max_scan_usd.normalize()
            ),
            "raise --max-scan-usd if that is expected, or collect a shorter --start/--end or fewer --account",
        ));
    }
    // Athena may reuse a result of the same query text only if it was computed after the window
    // had been closed for 2 hours (later deliveries could still land before that).
    let settled = Utc::now() - (end + chrono::Duration::hours(REUSE_AFTER_HOURS));
    let run = athena::Run {
        client,
        region,
        workgroup: &x.athena_workgroup,
        output: x.athena_output.as_deref(),
        reuse_minutes: (settled.num_minutes() >= 1)
            .then(|| settled.num_minutes().min(i64::from(REUSE_MINUTES)) as i32),
        poll: std::time::Duration::from_millis(if env.quiet { 1000 } else { 500 }),
    };
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    tokio::pin!(cancel);
    // Polled once now, so Ctrl-C is caught (and the query stopped) from here on.
    let _ = futures_util::FutureExt::now_or_never(&mut cancel);
    if x.athena_create {
        let since = start
            .date_naive()
            .min(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date"));
        let text = ddl(
            &plan.table.0,
            &plan.table.1,
            &plan.bucket,
            &plan.prefix,
            &since.format("%Y/%m/%d/00").to_string(),
        );
        let create = athena::Run {
            reuse_minutes: None,
            ..run
        };
        for stmt in text.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
            // DDL statements are not charged.
            athena::run(&create, stmt, Returns::Nothing, calls, &mut cancel).await?;
        }
        say(ctx, format!(
                "created {}.{} over {location} if it was missing (a table that exists is left as it is)",
                plan.table.0, plan.table.1
            ),
        );
    }
    let table = format!("{}.{}", plan.table.0, plan.table.1);
    let sql = query(&Query {
        engine: Engine::Athena,
        source: &table,
        accounts,
        log_regions: &log_regions,
        start,
        end,
        keys: &plan.keys,
        cuts: &cuts,
    });
    let d = athena::run(&run, &sql, Returns::Rows, calls, &mut cancel).await?;
    let cost = if d.reused {
        Decimal::ZERO
    } else {
        scan_cost_usd(d.bytes_scanned)
    };
    let athena_cost = cost;
    say(
        ctx,
        format!(
            "Athena query {}: {}{} bytes scanned, ${}",
            d.query_id,
            if d.reused {
                "an earlier result reused, "
            } else {
                ""
            },
            group_thousands(d.bytes_scanned),
            cost.round_dp(6).normalize()
        ),
    );
    let bad_result = |e: String| {
        fail(
            region,
            "athena:GetQueryResults",
            format!("the Athena query {}'s result cannot be read: {e}", d.query_id),
            "the table or the query is not the one this version writes: `bedrock-lens athena ddl` and `athena query` print them",
        )
    };
    let sums = Sums::from_table(&d.header, d.rows).map_err(bad_result)?;
    if sums.keys != expected {
        return Err(bad_result(format!(
            "its key columns are {}, not {}",
            sums.keys.join(", "),
            expected.join(", ")
        )));
    }
    let first = earlier.is_none();
    let verified = if x.no_verify {
        "not checked (--no-verify)".to_string()
    } else if !(first || x.verify) {
        "not checked (the snapshot's first Athena collection was; --verify checks every one)"
            .to_string()
    } else {
        tokio::select! {
            r = verify(s3c, plan, &objects, &sums, end, s3_calls) => r,
            _ = &mut cancel => Err(Check::Failed(fail(
                region,
                "busiest-hour check",
                "interrupted during the busiest-hour check; nothing was written".into(),
                "run again (or with --no-verify)",
            ))),
        }
        .map_err(|e| match e {
            Check::Failed(f) => f,
            Check::Differs(m, hint) => fail(
                region,
                "busiest-hour check",
                format!("{m}; nothing was written"),
                hint,
            ),
        })?
    };
    say(ctx, format!("busiest-hour check: {verified}"));
    Ok(Collected {
        sums,
        sql,
        query_id: d.query_id,
        bytes_scanned: d.bytes_scanned,
        athena_cost,
        reused: d.reused,
        objects,
        object_bytes,
        estimate,
        log_regions,
        cuts,
        verified,
    })
}

/// The summary on stdout: per model id, what Athena summed (the token kinds apart, as in every
/// other summary); then the records it could not use.
fn summary(s: &Sums) -> String {
    let (problem, model) = (
        s.key("problem").expect("fixed"),
        s.key("model_id").expect("fixed"),
    );
    let mut per: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    let mut problems: BTreeMap<String, u64> = BTreeMap::new();
    for r in &s.rows {
        let n = r.counts[count_index("invocations")];
        match s.value(r, problem).unwrap_or("") {
            "" => {
                let t = per
                    .entry(s.value(r, model).unwrap_or("").to_string())
                    .or_default();
                for (i, v) in usage(r).into_iter().enumerate() {
                    t[i] += v;
                }
            }
            why => *problems.entry(why.to_string()).or_default() += n,
        }
    }
    let mut out = format!(
        "{:<48} {:>12} {:>14} {:>14} {:>14} {:>14}\n",
        "model id", "invocations", "input", "output", "cache read", "cache write"
    );
    for (m, t) in &per {
        out.push_str(&format!(
            "{:<48} {:>12} {:>14} {:>14} {:>14} {:>14}\n",
            crate::io::clean(m),
            group_thousands(t[0]),
            group_thousands(t[1]),
            group_thousands(t[2]),
            group_thousands(t[3]),
            group_thousands(t[4])
        ));
    }
    for (why, n) in &problems {
        out.push_str(&format!(
            "not priced: {} record(s): {why}\n",
            group_thousands(*n)
        ));
    }
    out.push_str(&format!(
        "{} group(s) summed by Athena; price them with `bedrock-lens report --snapshot DIR`\n",
        group_thousands(s.rows.len() as u64)
    ));
    out
}
