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
            Key::Meta(k) => meta_column(k),
        }
    }
}

/// The result column of metadata key `k`: `meta_` and the key's bytes in lower-case hex, so
/// that no two keys share a column and Athena's lower-casing of column names changes nothing.
pub fn meta_column(k: &str) -> String {
    let hex: String = k.bytes().map(|b| format!("{b:02x}")).collect();
    format!("meta_{hex}")
}

/// The metadata key of a `meta_HEX` column.
pub fn meta_key(column: &str) -> Option<String> {
    let hex = column.strip_prefix("meta_")?;
    let bytes: Option<Vec<u8>> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// The `--by` key a result column stands for (`meta_HEX` is `meta:KEY`).
pub fn by_name(column: &str) -> String {
    match meta_key(column) {
        Some(m) => format!("meta:{m}"),
        None => column.to_string(),
    }
}

/// The `--by` keys of a result's key columns (those after `FIXED_KEYS`), in words: `--by a,b`,
/// or `no --by keys`.
pub fn by_words(columns: &[String]) -> String {
    let keys: Vec<String> = columns[FIXED_KEYS.len().min(columns.len())..]
        .iter()
        .map(|c| by_name(c))
        .collect();
    if keys.is_empty() {
        "no --by keys".into()
    } else {
        format!("--by {}", keys.join(","))
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

/// The columns the table declares: the fields a report needs, never a body. Token counts are
/// strings, cast in the query: a count that is not a number is a problem row, not a failed scan.
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
  input struct<inputtokencount:string,cachereadinputtokencount:string,cachewriteinputtokencount:string>,
  output struct<outputtokencount:string>";

/// CREATE DATABASE and CREATE TABLE for the logs under `s3://bucket/prefix`, partitioned by
/// account, log region and hour with partition projection (nothing to add per partition; the
/// account and log region are injected: each query names those it reads).
pub fn ddl(database: &str, table: &str, bucket: &str, prefix: &str, since: &str) -> String {
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
  'projection.log_region.type' = 'injected',
  'projection.dt.type' = 'date',
  'projection.dt.format' = 'yyyy/MM/dd/HH',
  'projection.dt.range' = '{since},NOW',
  'projection.dt.interval' = '1',
  'projection.dt.interval.unit' = 'HOURS',
  'storage.location.template' = '{root}/AWSLogs/${{account}}/BedrockModelInvocationLogs/${{log_region}}/${{dt}}/'
);
",
    )
}

/// What the aggregation reads and groups by.
pub struct Query<'a> {
    pub engine: Engine,
    /// Athena: `database.table`; DuckDB: the local folder holding `AWSLogs/`.
    pub source: &'a str,
    /// Athena's injected partitions: the accounts and log regions to read.
    pub accounts: &'a [String],
    pub log_regions: &'a [String],
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

/// Why a record the query reads is not priced: the `problem` column's values besides the
/// reasons `report` skips a record for. A duplicate and a record outside the period are read
/// records (counted in `records`), the others are skipped lines.
pub const DUPLICATE: &str = "requestId read more than once (left out)";
pub const OUTSIDE_PERIOD: &str = "outside the period";
pub const IMPLAUSIBLE: &str = "token counts over 100,000,000 (implausible)";

/// The count columns of a result row, in order, after the key columns.
pub const COUNTS: &[&str] = &[
    "invocations",
    "errors",
    "guardrail_blocked",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
];

/// The key columns every result has, in order: the rate-selecting ones, the hour and day, and
/// `problem` ('' for a priced group); the `--by` keys follow.
pub const FIXED_KEYS: &[&str] = &[
    "account",
    "region",
    "model_id",
    "hour",
    "day",
    "long_context_over",
    "token_kinds",
    "problem",
];

/// The hour folders a window's records can be delivered in: from the hour before `start`
/// through the hour of `end` (the slack `collect logs --s3` reads too), as `yyyy/MM/dd/HH`.
pub fn delivery_hours(start: DateTime<Utc>, end: DateTime<Utc>) -> (String, String) {
    let from = (start - chrono::Duration::hours(1)).format("%Y/%m/%d/%H");
    let last = end - chrono::Duration::seconds(1) + chrono::Duration::hours(1);
    (from.to_string(), last.format("%Y/%m/%d/%H").to_string())
}

/// The aggregation query: one row per group of records priced alike, per hour, and rows with
/// `problem` set for records bedrock-lens does not price as they are, classified in the order
/// `report` applies: first the reasons a record is skipped (another schema or version, no
/// usable timestamp, model or region, a count that is not a whole number or is implausible, a
/// successful call without its input count), then a request id read before, then a record
/// outside the period. The long-context column is the largest catalog threshold the request's
/// input exceeds (0: none); `token_kinds` says which counts are non-zero (1 input, 2 output,
/// 4 cache read, 8 cache write).
pub fn query(x: &Query) -> String {
    let athena = x.engine == Engine::Athena;
    let name = |athena_name: &'static str, duck_name: &'static str| {
        if athena {
            athena_name
        } else {
            duck_name
        }
    };
    // A timestamp must carry its zone (Z or an offset), as bedrock-lens requires; counts must be
    // whole numbers of at most 12 digits (more is implausible), so no sum can overflow.
    let matches = |col: &str, re: &str| {
        if athena {
            format!("regexp_like({col}, '{re}')")
        } else {
            format!("regexp_matches({col}, '{re}')")
        }
    };
    // RFC 3339 with seconds and a zone, in the years bedrock-lens reads (2000-2100).
    let zoned = matches(
        "\"timestamp\"",
        "^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}([.][0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
    );
    let ts = if athena {
        format!("CASE WHEN {zoned} THEN try(from_iso8601_timestamp(\"timestamp\")) END")
    } else {
        format!("CASE WHEN {zoned} THEN try_cast(\"timestamp\" AS TIMESTAMPTZ) END")
    };
    let source = if athena {
        x.source.to_string()
    } else {
        format!(
            "read_json({}, format = 'newline_delimited', ignore_errors = true, union_by_name = true, filename = true, columns = {{'schemaType': 'VARCHAR', 'schemaVersion': 'VARCHAR', 'timestamp': 'VARCHAR', 'accountId': 'VARCHAR', 'identity': 'STRUCT(arn VARCHAR)', 'region': 'VARCHAR', 'requestId': 'VARCHAR', 'operation': 'VARCHAR', 'modelId': 'VARCHAR', 'errorCode': 'VARCHAR', 'requestMetadata': 'MAP(VARCHAR, VARCHAR)', 'input': 'STRUCT(inputTokenCount VARCHAR, cacheReadInputTokenCount VARCHAR, cacheWriteInputTokenCount VARCHAR)', 'output': 'STRUCT(outputTokenCount VARCHAR)'}})",
            q(&format!(
                "{}/AWSLogs/*/BedrockModelInvocationLogs/*/*/*/*/*/*.json*",
                x.source.trim_end_matches('/')
            ))
        )
    };
    let meta = |k: &str| {
        if athena {
            format!("element_at(meta, {})", q(k))
        } else {
            format!("meta[{}]", q(k))
        }
    };
    let raw_counts = [
        (
            "input_raw",
            name("input.inputtokencount", "input.inputTokenCount"),
        ),
        (
            "output_raw",
            name("output.outputtokencount", "output.outputTokenCount"),
        ),
        (
            "cache_read_raw",
            name(
                "input.cachereadinputtokencount",
                "input.cacheReadInputTokenCount",
            ),
        ),
        (
            "cache_write_raw",
            name(
                "input.cachewriteinputtokencount",
                "input.cacheWriteInputTokenCount",
            ),
        ),
    ];
    let mut raw_cols = vec![
        format!("{} AS account", name("accountid", "accountId")),
        "region AS region".to_string(),
        format!("{} AS model_id", name("modelid", "modelId")),
        format!("{} AS schema_type", name("schematype", "schemaType")),
        format!(
            "{} AS schema_version",
            name("schemaversion", "schemaVersion")
        ),
        format!("{} AS request_id", name("requestid", "requestId")),
        format!("{} AS error_code", name("errorcode", "errorCode")),
        "identity.arn AS identity_arn".to_string(),
        "operation AS operation".to_string(),
        format!("{} AS meta", name("requestmetadata", "requestMetadata")),
        format!("{ts} AS ts"),
    ];
    for (alias, col) in raw_counts {
        raw_cols.push(format!("{col} AS {alias}"));
        raw_cols.push(format!(
            "CASE WHEN {} THEN CAST(regexp_extract({col}, '^[0-9]+') AS BIGINT) END AS {}",
            matches(col, "^[0-9]{1,12}([.]0+)?$"),
            alias.trim_end_matches("_raw")
        ));
    }
    // Partition pruning: the delivery hours of the window, and the accounts (the projection is
    // injected). DuckDB reads the hour from the object's path, so both read the same objects.
    let (from, to) = delivery_hours(x.start, x.end);
    let mut partitions = vec![];
    if athena {
        partitions.push(format!("dt BETWEEN '{from}' AND '{to}'"));
        let list = |v: &[String]| v.iter().map(|a| q(a)).collect::<Vec<_>>().join(", ");
        if !x.accounts.is_empty() {
            partitions.push(format!("account IN ({})", list(x.accounts)));
        }
        if !x.log_regions.is_empty() {
            partitions.push(format!("log_region IN ({})", list(x.log_regions)));
        }
        // Large bodies Bedrock files under an hour's `data/` folder are not log records.
        partitions.push(
            "NOT regexp_like(\"$path\", '/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/data/')".into(),
        );
    } else {
        partitions.push(format!(
            "regexp_extract(filename, '/([0-9]{{4}}/[0-9]{{2}}/[0-9]{{2}}/[0-9]{{2}})/[^/]*$', 1) BETWEEN '{from}' AND '{to}'"
        ));
    }
    let counts = ["input", "output", "cache_read", "cache_write"];
    let not_number = counts
        .iter()
        .map(|c| format!("({c}_raw IS NOT NULL AND ({c} IS NULL OR {c} < 0))"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let total = "coalesce(input, 0) + coalesce(cache_read, 0) + coalesce(cache_write, 0) + coalesce(output, 0)";
    let no_counts = "input_raw IS NULL AND output_raw IS NULL AND cache_read_raw IS NULL AND cache_write_raw IS NULL";
    let invalid = format!(
        "CASE WHEN schema_type IS NOT NULL AND schema_type <> 'ModelInvocationLog' THEN 'schemaType is not ModelInvocationLog' \
WHEN schema_type IS NULL AND model_id IS NULL THEN 'not an invocation log record (no schemaType, no modelId)' \
WHEN schema_version IS NOT NULL AND schema_version <> '1.0' THEN 'unknown schemaVersion' \
WHEN ts IS NULL THEN 'timestamp is missing or not a date-time' \
WHEN model_id IS NULL OR model_id = '' THEN 'modelId is missing or empty' \
WHEN region IS NULL THEN 'region is missing' \
WHEN {not_number} THEN 'a token count is not a non-negative integer' \
WHEN error_code IS NULL AND input_raw IS NULL AND NOT ({no_counts}) THEN 'input.inputTokenCount is missing' \
WHEN {total} > 100000000 THEN {} \
ELSE '' END",
        q(IMPLAUSIBLE)
    );
    let problem = format!(
        "CASE WHEN invalid <> '' THEN invalid WHEN copy > 1 THEN {} WHEN ts < {} OR ts >= {} THEN {} ELSE '' END",
        q(DUPLICATE),
        timestamp_literal(x.engine, x.start),
        timestamp_literal(x.engine, x.end),
        q(OUTSIDE_PERIOD)
    );
    let total_in = "coalesce(input, 0) + coalesce(cache_read, 0) + coalesce(cache_write, 0)";
    let over = x
        .cuts
        .iter()
        .rev()
        .map(|c| format!("WHEN {total_in} > {c} THEN {c}"))
        .collect::<Vec<_>>()
        .join(" ");
    let over = if over.is_empty() {
        "0".to_string()
    } else {
        format!("CASE {over} ELSE 0 END")
    };
    let present = |c: &str| format!("CASE WHEN coalesce({c}, 0) > 0 THEN 1 ELSE 0 END");
    let kinds = format!(
        "{} + 2 * {} + 4 * {} + 8 * {}",
        present("input"),
        present("output"),
        present("cache_read"),
        present("cache_write")
    );
    let fmt_time = |hour: bool| match (athena, hour) {
        (true, true) => "date_format(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:00Z')".to_string(),
        (true, false) => "date_format(ts AT TIME ZONE 'UTC', '%Y-%m-%d')".to_string(),
        (false, true) => "strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%dT%H:00Z')".to_string(),
        (false, false) => "strftime(ts AT TIME ZONE 'UTC', '%Y-%m-%d')".to_string(),
    };
    let mut select = vec![
        "account".to_string(),
        "region".to_string(),
        "model_id".to_string(),
        format!("{} AS hour", fmt_time(true)),
        format!("{} AS day", fmt_time(false)),
        format!("{over} AS long_context_over"),
        format!("{kinds} AS token_kinds"),
        "problem".to_string(),
    ];
    for k in x.keys.iter().filter(|k| !matches!(k, Key::Day | Key::Hour)) {
        let expr = match k {
            Key::Hour | Key::Day => unreachable!("always keys"),
            Key::IdentityArn => "identity_arn".to_string(),
            Key::Operation => "operation".to_string(),
            Key::Meta(m) => meta(m),
        };
        select.push(format!("{expr} AS {}", k.column()));
    }
    let groups: Vec<String> = (1..=select.len()).map(|i| i.to_string()).collect();
    select.extend([
        "count(*) AS invocations".to_string(),
        "count(error_code) AS errors".to_string(),
        format!("sum(CASE WHEN error_code IS NULL AND {no_counts} THEN 1 ELSE 0 END) AS guardrail_blocked"),
        "sum(coalesce(input, 0)) AS input_tokens".to_string(),
        "sum(coalesce(output, 0)) AS output_tokens".to_string(),
        "sum(coalesce(cache_read, 0)) AS cache_read_tokens".to_string(),
        "sum(coalesce(cache_write, 0)) AS cache_write_tokens".to_string(),
    ]);
    format!(
        "WITH raw AS (\n  SELECT\n    {}\n  FROM {source}\n  WHERE {}\n),\n\
checked AS (\n  SELECT *, {invalid} AS invalid\n  FROM raw\n),\n\
numbered AS (\n  SELECT *, CASE WHEN invalid = '' AND request_id IS NOT NULL AND request_id <> '' THEN row_number() OVER (PARTITION BY request_id, invalid ORDER BY ts, account, region, model_id, identity_arn, operation) ELSE 1 END AS copy\n  FROM checked\n),\n\
classified AS (\n  SELECT *, {problem} AS problem\n  FROM numbered\n)\n\
SELECT\n  {}\nFROM classified\nGROUP BY {}\nORDER BY {}\n",
        raw_cols.join(",\n    "),
        partitions.join("\n    AND "),
        select.join(",\n  "),
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
            "2026/01/01/00",
        );
        assert!(!d.to_lowercase().contains("body"), "{d}");
        assert!(d.contains("'storage.location.template' = 's3://my-logs/org/AWSLogs/${account}/BedrockModelInvocationLogs/${log_region}/${dt}/'"));
        assert!(d.contains("'projection.log_region.type' = 'injected'"));
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
        // Keys that differ only by case or by `-`/`_` get columns of their own, read back.
        let cols: Vec<String> = ["Team", "team", "a-b", "a_b"]
            .iter()
            .map(|k| meta_column(k))
            .collect();
        assert_eq!(cols[0], "meta_5465616d");
        assert_eq!(
            cols.iter().collect::<std::collections::BTreeSet<_>>().len(),
            4
        );
        assert_eq!(meta_key(&cols[2]).as_deref(), Some("a-b"));
    }
}
