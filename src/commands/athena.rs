//! `athena ddl` and `athena query`: print the table definition and the aggregation query.

use crate::cli::{AthenaCommand, AthenaDdlArgs, AthenaQueryArgs};
use crate::collect::athena_sql::{ddl, parse_s3_root, query, Engine, Key, Query};
use crate::error::{Outcome, UsageError};
use crate::io::emit;
use crate::settings::{check_account, check_region, parse_period, Env};

pub fn cmd(env: &Env, c: &AthenaCommand) -> anyhow::Result<Outcome> {
    let sql = match c {
        AthenaCommand::Ddl(a) => ddl_of(a)?,
        AthenaCommand::Query(a) => query_of(env, a)?,
    };
    emit(&sql)?;
    Ok(Outcome::Ok)
}

/// A database or table name Athena takes unquoted.
fn identifier(flag: &str, s: &str) -> Result<(), UsageError> {
    let ok = !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        return Ok(());
    }
    Err(UsageError::new(
        format!(
            "{flag} `{}`: not a table or database name",
            crate::io::clean(s)
        ),
        "lower-case letters, digits and _ (Athena's rule), e.g. bedrock_lens",
    ))
}

fn ddl_of(a: &AthenaDdlArgs) -> anyhow::Result<String> {
    let (bucket, prefix) = parse_s3_root(&a.s3).ok_or_else(|| {
        UsageError::new(
            format!("--s3 {}: not an s3://bucket/prefix location", crate::io::clean(&a.s3)),
            "the location Bedrock delivers to, e.g. --s3 s3://my-log-bucket/bedrock (it holds AWSLogs/)",
        )
    })?;
    identifier("--database", &a.database)?;
    identifier("--table", &a.table)?;
    let since = chrono::NaiveDate::parse_from_str(&a.since, "%Y-%m-%d").map_err(|_| {
        UsageError::new(
            format!("--since `{}` is not a date", crate::io::clean(&a.since)),
            "YYYY-MM-DD, the first day of logs in the bucket",
        )
    })?;
    Ok(ddl(
        &a.database,
        &a.table,
        &bucket,
        &prefix,
        &since.format("%Y/%m/%d/00").to_string(),
    ))
}

fn query_of(env: &Env, a: &AthenaQueryArgs) -> anyhow::Result<String> {
    let period = parse_period(Some(&a.start), Some(&a.end))?;
    let (start, end) = (period.start.expect("given"), period.end.expect("given"));
    let keys =
        a.by.iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| Key::parse(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| {
                UsageError::new(format!("--by: {e}"), "e.g. --by day,identity_arn,meta:team")
            })?;
    let source = match a.engine {
        Engine::Athena => {
            let (db, t) = a.table.split_once('.').unwrap_or(("", ""));
            identifier("--table", db)?;
            identifier("--table", t)?;
            for acct in &a.accounts {
                check_account(acct)?;
            }
            if a.accounts.is_empty() {
                return Err(UsageError::new(
                    "athena query: no --account (the table's account partition is injected: a query names its accounts)",
                    "add --account ID (repeatable); `bedrock-lens discover` lists them",
                )
                .into());
            }
            for r in &a.log_regions {
                check_region(r)?;
            }
            if a.log_regions.is_empty() {
                return Err(UsageError::new(
                    "athena query: no --log-region (the table's log-region partition is injected: a query names its regions)",
                    "add --log-region REGION (repeatable), the regions under AWSLogs/ACCOUNT/BedrockModelInvocationLogs/",
                )
                .into());
            }
            a.table.clone()
        }
        Engine::Duckdb => {
            let root = a.root.as_ref().ok_or_else(|| {
                UsageError::new(
                    "athena query --engine duckdb: no --root",
                    "give the local folder that holds AWSLogs/ (a copy of the bucket)",
                )
            })?;
            let s = root.display().to_string();
            if s.contains('\'') {
                return Err(UsageError::new(
                    format!("--root {}: a path with a quote", crate::io::clean(&s)),
                    "use a folder whose path has no ' in it",
                )
                .into());
            }
            s
        }
    };
    let cuts = env.catalog.long_context_thresholds();
    Ok(query(&Query {
        engine: a.engine,
        source: &source,
        accounts: &a.accounts,
        log_regions: &a.log_regions,
        start,
        end,
        keys: &keys,
        cuts: &cuts,
    }))
}
