//! SQL over invocation logs where they sit in S3: the Athena table (a JSON SerDe over Bedrock's
//! delivery layout with partition projection, declaring no prompt or response column) and the
//! aggregation query, rendered for Athena (Trino) or for DuckDB over a local folder in the same
//! layout (how the query is tested here: no Athena is reachable). The query groups by everything
//! that selects a rate (model id, call region, long-context bucket, which token kinds are
//! present), so that pricing its rows equals pricing each record, plus the keys asked for.

use chrono::{DateTime, Utc};

/// Which SQL dialect to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Engine {
    /// Amazon Athena (Trino), over the table `athena ddl` creates.
    Athena,
    /// DuckDB over a local folder in Bedrock's S3 delivery layout.
    Duckdb,
}

/// A key the query groups by besides the rate-selecting ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    Hour,
    Day,
    IdentityArn,
    Operation,
    Meta(String),
}

impl Key {
    /// The key from a `--by` name: hour, day, identity_arn, operation or meta:KEY.
    pub fn parse(s: &str) -> Result<Key, String> {
        Ok(match s.trim() {
            "hour" => Key::Hour,
            "day" => Key::Day,
            "identity_arn" | "identity" => Key::IdentityArn,
            "operation" => Key::Operation,
            m if m.starts_with("meta:") && valid_meta(&m[5..]) => Key::Meta(m[5..].to_string()),
            other => {
                return Err(format!(
                    "`{}` is not a key the query groups by (hour, day, identity_arn, operation, meta:KEY)",
                    crate::io::clean(other)
                ))
            }
        })
    }

    /// The result column's name.
    pub fn column(&self) -> String {
        match self {
            Key::Hour => "hour".into(),
            Key::Day => "day".into(),
            Key::IdentityArn => "identity_arn".into(),
            Key::Operation => "operation".into(),
            Key::Meta(k) => format!("meta_{k}"),
        }
    }
}

/// A metadata key safe to put in SQL: letters, digits, `_`, `-`, `.` (64 at most).
fn valid_meta(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// Where the logs are: `s3://bucket/prefix` (the folder holding `AWSLogs/`).
pub fn parse_s3_root(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let ok = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '=' | '+'))
    };
    (!bucket.is_empty() && ok(bucket) && ok(prefix))
        .then(|| (bucket.to_string(), prefix.trim_matches('/').to_string()))
}

/// The columns the table declares: the fields a report needs, never a body.
const COLUMNS: &str = "  schematype string,
  schemaversion string,
  `timestamp` string,
  accountid string,
  identity struct<arn:string>,
  region string,
  requestid string,
  operation string,
  modelid string,
  errorcode string,
  inferenceregion string,
  requestmetadata map<string,string>,
  input struct<inputtokencount:bigint,cachereadinputtokencount:bigint,cachewriteinputtokencount:bigint>,
  output struct<outputtokencount:bigint>";

/// CREATE DATABASE and CREATE TABLE for the logs under `s3://bucket/prefix`, partitioned by
/// account, log region and hour with partition projection (nothing to add per partition).
pub fn ddl(
    database: &str,
    table: &str,
    bucket: &str,
    prefix: &str,
    regions: &[String],
    since: &str,
) -> String {
    let root = if prefix.is_empty() {
        format!("s3://{bucket}")
    } else {
        format!("s3://{bucket}/{prefix}")
    };
    format!(
        "CREATE DATABASE IF NOT EXISTS {database};

CREATE EXTERNAL TABLE IF NOT EXISTS {database}.{table} (
{COLUMNS}
)
PARTITIONED BY (account string, log_region string, dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true', 'case.insensitive' = 'true')
LOCATION '{root}/AWSLogs/'
TBLPROPERTIES (
  'projection.enabled' = 'true',
  'projection.account.type' = 'injected',
  'projection.log_region.type' = 'enum',
  'projection.log_region.values' = '{regions}',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.range' = '{since},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = '{root}/AWSLogs/${{account}}/BedrockModelInvocationLogs/${{log_region}}/${{dt}}/'
);
",
        regions = regions.join(","),
    )
}

/// What the aggregation reads and groups by.
pub struct Query<'a> {
    pub engine: Engine,
    /// Athena: `database.table`; DuckDB: the local folder holding `AWSLogs/`.
    pub source: &'a str,
    /// Athena's injected partition: the accounts to read.
    pub accounts: &'a [String],
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub keys: &'a [Key],
    /// Long-context thresholds in the catalog (input tokens, ascending): the bucket of a record
    /// is how many it exceeds.
    pub cuts: &'a [u64],
}

fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The aggregation query: one row per group of records priced alike, with diagnostics rows
/// (`problem` set) for records that cannot be priced as they are.
pub fn query(x: &Query) -> String {
    let (ts, source, meta) = match x.engine {
        Engine::Athena => (
            "from_iso8601_timestamp(\"timestamp\")".to_string(),
            x.source.to_string(),
            "element_at(requestmetadata, {})",
        ),
        Engine::Duckdb => (
            "CAST(\"timestamp\" AS TIMESTAMPTZ)".to_string(),
            format!(
                "read_json({}, format = 'newline_delimited', ignore_errors = true, union_by_name = true, columns = {{'schemaType': 'VARCHAR', 'timestamp': 'VARCHAR', 'accountId': 'VARCHAR', 'identity': 'STRUCT(arn VARCHAR)', 'region': 'VARCHAR', 'operation': 'VARCHAR', 'modelId': 'VARCHAR', 'errorCode': 'VARCHAR', 'requestMetadata': 'MAP(VARCHAR, VARCHAR)', 'input': 'STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, cacheWriteInputTokenCount BIGINT)', 'output': 'STRUCT(outputTokenCount BIGINT)'}})",
                q(&format!("{}/AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json*", x.source.trim_end_matches('/')))
            ),
            "requestMetadata[{}]",
        ),
    };
    let (model, region, account, op, arn, err, schema) = match x.engine {
        Engine::Athena => (
            "modelid",
            "region",
            "accountid",
            "operation",
            "identity.arn",
            "errorcode",
            "schematype",
        ),
        Engine::Duckdb => (
            "modelId",
            "region",
            "accountId",
            "operation",
            "identity.arn",
            "errorCode",
            "schemaType",
        ),
    };
    let (inp, out, cr, cw) = match x.engine {
        Engine::Athena => (
            "input.inputtokencount",
            "output.outputtokencount",
            "input.cachereadinputtokencount",
            "input.cachewriteinputtokencount",
        ),
        Engine::Duckdb => (
            "input.inputTokenCount",
            "output.outputTokenCount",
            "input.cacheReadInputTokenCount",
            "input.cacheWriteInputTokenCount",
        ),
    };
    let fmt_time = |unit: &str| match (x.engine, unit) {
        (Engine::Athena, "hour") => format!("date_format({ts}, '%Y-%m-%dT%H:00Z')"),
        (Engine::Athena, _) => format!("date_format({ts}, '%Y-%m-%d')"),
        (Engine::Duckdb, "hour") => format!("strftime({ts} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:00Z')"),
        (Engine::Duckdb, _) => format!("strftime({ts} AT TIME ZONE 'UTC', '%Y-%m-%d')"),
    };
    let total_in = format!("coalesce({inp}, 0) + coalesce({cr}, 0) + coalesce({cw}, 0)");
    let bucket = if x.cuts.is_empty() {
        "0".to_string()
    } else {
        x.cuts
            .iter()
            .map(|c| format!("CASE WHEN {total_in} > {c} THEN 1 ELSE 0 END"))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    let present = |c: &str| format!("CASE WHEN coalesce({c}, 0) > 0 THEN 1 ELSE 0 END");
    let kinds = format!(
        "{} + 2 * {} + 4 * {} + 8 * {}",
        present(inp),
        present(out),
        present(cr),
        present(cw)
    );
    let problem = format!(
        "CASE WHEN {model} IS NULL OR {model} = '' THEN 'no modelId' \
WHEN \"timestamp\" IS NULL THEN 'no timestamp' \
WHEN coalesce({inp}, 0) < 0 OR coalesce({out}, 0) < 0 OR coalesce({cr}, 0) < 0 OR coalesce({cw}, 0) < 0 THEN 'negative token count' \
ELSE '' END"
    );
    let mut select = vec![
        format!("{account} AS account"),
        format!("{region} AS region"),
        format!("{model} AS model_id"),
        format!("{bucket} AS long_context_bucket"),
        format!("{kinds} AS token_kinds"),
        format!("{problem} AS problem"),
    ];
    for k in x.keys {
        let expr = match k {
            Key::Hour => fmt_time("hour"),
            Key::Day => fmt_time("day"),
            Key::IdentityArn => arn.to_string(),
            Key::Operation => op.to_string(),
            Key::Meta(m) => meta.replace("{}", &q(m)),
        };
        select.push(format!("{expr} AS {}", k.column()));
    }
    let groups: Vec<String> = (1..=select.len()).map(|i| i.to_string()).collect();
    select.extend([
        "count(*) AS invocations".to_string(),
        format!("count({err}) AS errors"),
        format!(
            "sum(CASE WHEN {inp} IS NULL AND {out} IS NULL AND {cr} IS NULL AND {cw} IS NULL AND {err} IS NULL THEN 1 ELSE 0 END) AS guardrail_blocked"
        ),
        format!("sum(coalesce({inp}, 0)) AS input_tokens"),
        format!("sum(coalesce({out}, 0)) AS output_tokens"),
        format!("sum(coalesce({cr}, 0)) AS cache_read_tokens"),
        format!("sum(coalesce({cw}, 0)) AS cache_write_tokens"),
    ]);
    let mut filter = vec![
        format!("{schema} = 'ModelInvocationLog'"),
        format!("{ts} >= {}", timestamp_literal(x.engine, x.start)),
        format!("{ts} < {}", timestamp_literal(x.engine, x.end)),
    ];
    if x.engine == Engine::Athena {
        // Partition pruning: the hours of the window (a record is in its delivery hour's
        // folder or the next one's), and the accounts (an injected projection needs them).
        let from = (x.start - chrono::Duration::hours(1)).format("%Y/%m/%d/%H");
        let to = (x.end + chrono::Duration::hours(1)).format("%Y/%m/%d/%H");
        filter.push(format!("dt BETWEEN '{from}' AND '{to}'"));
        if !x.accounts.is_empty() {
            filter.push(format!(
                "account IN ({})",
                x.accounts
                    .iter()
                    .map(|a| q(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    format!(
        "SELECT\n  {}\nFROM {source}\nWHERE {}\nGROUP BY {}\nORDER BY {}\n",
        select.join(",\n  "),
        filter.join("\n  AND "),
        groups.join(", "),
        groups.join(", ")
    )
}

fn timestamp_literal(engine: Engine, t: DateTime<Utc>) -> String {
    let s = t.format("%Y-%m-%d %H:%M:%S");
    match engine {
        Engine::Athena => format!("TIMESTAMP '{s} UTC'"),
        Engine::Duckdb => format!("TIMESTAMPTZ '{s}+00'"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_declares_no_body_and_projects_the_delivery_layout() {
        let d = ddl(
            "bedrock_logs",
            "invocations",
            "my-logs",
            "org",
            &["us-east-1".into(), "eu-west-1".into()],
            "2026/01/01/00",
        );
        assert!(!d.to_lowercase().contains("body"), "{d}");
        assert!(d.contains("'storage.location.template' = 's3://my-logs/org/AWSLogs/${account}/BedrockModelInvocationLogs/${log_region}/${dt}/'"));
        assert!(d.contains("'projection.log_region.values' = 'us-east-1,eu-west-1'"));
        assert_eq!(
            parse_s3_root("s3://my-logs/org/"),
            Some(("my-logs".into(), "org".into()))
        );
        assert_eq!(parse_s3_root("s3://b"), Some(("b".into(), String::new())));
        assert_eq!(parse_s3_root("s3://b/x'; DROP"), None);
        assert_eq!(parse_s3_root("https://b"), None);
    }

    #[test]
    fn keys_are_checked_before_they_reach_sql() {
        assert_eq!(Key::parse("meta:team").unwrap(), Key::Meta("team".into()));
        assert!(Key::parse("meta:x' OR 1=1").is_err());
        assert!(Key::parse("model").is_err());
    }
}
