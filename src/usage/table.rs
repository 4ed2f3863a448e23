//! The normalized usage table's schema (one row per invocation, every source in one schema) and
//! its read-back: a table written earlier (a snapshot's `invocations.parquet`) is read into
//! records again, one row group at a time, each row checked by the log ingest's border rules.
//! The writer, which adds each request's price, is `pricing::table`. No prompt or response text
//! is ever part of a row.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use chrono::DateTime;
use polars::prelude::{
    DataFrame, DataType, ParquetReader, PolarsResult, Schema, SerReader, TimeUnit, TimeZone,
};

use super::json_values::{Scalar, Str, Tok};
use super::record::{check_year, tok, Reject, Tokens, UsageRecord};

/// Column names, in order: the table's documented schema.
pub const COLUMNS: &[&str] = &[
    "timestamp",
    "account",
    "region",
    "inference_region",
    "request_id",
    "model_id",
    "model",
    "profile",
    "identity_arn",
    "identity",
    "operation",
    "request_metadata",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "error_code",
    "long_context",
    "cost_pico_usd",
    "unpriced_reason",
];

/// Rows per batch handed to the writer.
pub const BATCH_ROWS: usize = 65_536;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableFormat {
    Parquet,
    Csv,
}

impl TableFormat {
    /// From the file extension: `.parquet` or `.csv`.
    pub fn from_path(p: &Path) -> Option<TableFormat> {
        let ext = p.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" => Some(TableFormat::Parquet),
            "csv" => Some(TableFormat::Csv),
            _ => None,
        }
    }
}

/// The table's polars schema (column types).
pub fn schema() -> Schema {
    use DataType::*;
    let mut s = Schema::default();
    for name in COLUMNS {
        let dt = match *name {
            "timestamp" => Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
            "input_tokens" | "output_tokens" | "cache_read_tokens" | "cache_write_tokens" => UInt64,
            "long_context" => Boolean,
            "cost_pico_usd" => Int64,
            _ => String,
        };
        s.insert((*name).into(), dt);
    }
    s
}

/// Columns derived when a row is written (resolution, identity principal, price): a record is
/// rebuilt from the others.
const DERIVED: &[&str] = &[
    "model",
    "profile",
    "identity",
    "long_context",
    "cost_pico_usd",
    "unpriced_reason",
];

/// The columns a record is rebuilt from.
fn record_columns() -> Vec<String> {
    COLUMNS
        .iter()
        .filter(|c| !DERIVED.contains(c))
        .map(|c| c.to_string())
        .collect()
}

/// A row of a usage table that breaks a border rule of the log ingest: left out, with the rule
/// (never the row's content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    /// The row's number in the file, from 1.
    pub row: u64,
    pub reason: Reject,
}

/// Reads a usage table (Parquet) back, one row group at a time (bounded memory), under the log
/// ingest's border rules: a table is input like any log, whoever wrote it. Each row reaches `f`
/// as a record or as the rule it breaks. A file that is not a usage table is an error.
pub fn read_table(
    path: &Path,
    mut f: impl FnMut(Result<&UsageRecord, BadRow>),
) -> anyhow::Result<()> {
    let open = || -> anyhow::Result<ParquetReader<std::fs::File>> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(ParquetReader::new(file))
    };
    let total = open()?
        .num_rows()
        .with_context(|| format!("{}: not a readable Parquet file", path.display()))?;
    let mut offset = 0usize;
    while offset < total {
        let df = open()?
            .with_columns(Some(record_columns()))
            .with_slice(Some((offset, BATCH_ROWS)))
            .finish()
            .with_context(|| format!("{}: not a bedrock-lens usage table", path.display()))?;
        let columns = Columns::of(&df)
            .with_context(|| format!("{}: not a bedrock-lens usage table", path.display()))?;
        for i in 0..df.height() {
            let row = (offset + i) as u64 + 1;
            // Parsed here, as the record borrows it.
            let metadata = columns.request_metadata[i]
                .map(serde_json::from_str::<BTreeMap<Str, Scalar>>)
                .transpose();
            let record = match &metadata {
                Ok(m) => columns.record(i, m.as_ref()),
                Err(_) => Err("request_metadata is not a JSON object".into()),
            };
            match record {
                Ok(r) => f(Ok(&r)),
                Err(reason) => f(Err(BadRow { row, reason })),
            }
        }
        offset += BATCH_ROWS;
    }
    Ok(())
}

/// A datetime column as epoch milliseconds.
pub fn millis(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(df.column(name)?.datetime()?.physical().iter().collect())
}

/// The columns a record is rebuilt from, for one batch; `None` where a value is missing.
struct Columns<'a> {
    timestamp: Vec<Option<i64>>,
    account: Vec<Option<&'a str>>,
    region: Vec<Option<&'a str>>,
    inference_region: Vec<Option<&'a str>>,
    request_id: Vec<Option<&'a str>>,
    model_id: Vec<Option<&'a str>>,
    identity_arn: Vec<Option<&'a str>>,
    operation: Vec<Option<&'a str>>,
    request_metadata: Vec<Option<&'a str>>,
    error_code: Vec<Option<&'a str>>,
    input: Vec<Option<u64>>,
    output: Vec<Option<u64>>,
    cache_read: Vec<Option<u64>>,
    cache_write: Vec<Option<u64>>,
}

impl<'a> Columns<'a> {
    fn of(df: &'a DataFrame) -> PolarsResult<Self> {
        let s = |name: &str| -> PolarsResult<Vec<Option<&'a str>>> {
            Ok(df.column(name)?.str()?.iter().collect())
        };
        let u = |name: &str| -> PolarsResult<Vec<Option<u64>>> {
            Ok(df.column(name)?.u64()?.iter().collect())
        };
        Ok(Columns {
            timestamp: millis(df, "timestamp")?,
            account: s("account")?,
            region: s("region")?,
            inference_region: s("inference_region")?,
            request_id: s("request_id")?,
            model_id: s("model_id")?,
            identity_arn: s("identity_arn")?,
            operation: s("operation")?,
            request_metadata: s("request_metadata")?,
            error_code: s("error_code")?,
            input: u("input_tokens")?,
            output: u("output_tokens")?,
            cache_read: u("cache_read_tokens")?,
            cache_write: u("cache_write_tokens")?,
        })
    }

    /// Row `i` checked as `RawRecord::validate` checks a log record, named by its columns.
    fn record<'m>(
        &self,
        i: usize,
        request_metadata: Option<&'m BTreeMap<Str<'m>, Scalar<'m>>>,
    ) -> Result<UsageRecord<'m>, Reject>
    where
        'a: 'm,
    {
        let ms = self.timestamp[i].ok_or("timestamp is missing")?;
        // Beyond chrono's range: as far outside the years as any date can be.
        let timestamp = check_year(DateTime::from_timestamp_millis(ms).unwrap_or_default())?;
        let model_id = match self.model_id[i] {
            None => return Err("model_id is missing".into()),
            Some("") => return Err("model_id is empty".into()),
            Some(m) => m,
        };
        let region = self.region[i].ok_or("region is missing")?;
        let failed = self.error_code[i].is_some();
        // Written with no count at all: blocked before the model ran, as in the logs.
        let guardrail_blocked = !failed
            && [
                &self.input,
                &self.output,
                &self.cache_read,
                &self.cache_write,
            ]
            .iter()
            .all(|c| c[i].is_none());
        let count = |v: &[Option<u64>], field: &str, required: bool| {
            tok(v[i].map(Tok::Count), field, required)
        };
        let tokens = Tokens {
            input: count(&self.input, "input_tokens", !failed && !guardrail_blocked)?,
            output: count(&self.output, "output_tokens", false)?,
            cache_read: count(&self.cache_read, "cache_read_tokens", false)?,
            cache_write: count(&self.cache_write, "cache_write_tokens", false)?,
        };
        Ok(UsageRecord {
            timestamp,
            account: self.account[i].unwrap_or(""),
            region,
            inference_region: self.inference_region[i],
            model_id,
            identity_arn: self.identity_arn[i].unwrap_or(""),
            operation: self.operation[i].unwrap_or(""),
            request_id: self.request_id[i].unwrap_or(""),
            request_metadata,
            tokens,
            error_code: self.error_code[i],
            guardrail_blocked,
            body: None,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use polars::prelude::{Column, IntoColumn, NamedFrom, ParquetWriter, Series};

    use super::*;

    /// The values of a test row that vary; the rest are fixed.
    pub(crate) struct Row {
        pub id: &'static str,
        pub ms: Option<i64>,
        pub region: Option<&'static str>,
        pub input: Option<u64>,
        pub error: Option<&'static str>,
        pub metadata: Option<&'static str>,
    }

    impl Row {
        /// A valid row: 10 input and 5 output tokens on 2026-10-01.
        pub fn ok(id: &'static str) -> Row {
            Row {
                id,
                ms: Some(1_790_812_800_000),
                region: Some("us-east-1"),
                input: Some(10),
                error: None,
                metadata: None,
            }
        }
    }

    /// Writes a usage table of `rows` with the columns a record is rebuilt from.
    pub(crate) fn write(path: &Path, rows: &[Row]) {
        let s = |name: &str, f: &dyn Fn(&Row) -> Option<&'static str>| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
        };
        let u = |name: &str, f: &dyn Fn(&Row) -> Option<u64>| {
            Column::new(name.into(), rows.iter().map(f).collect::<Vec<_>>())
        };
        let ms: Vec<Option<i64>> = rows.iter().map(|r| r.ms).collect();
        let timestamp = Series::new("timestamp".into(), ms)
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap()
            .into_column();
        let mut df = DataFrame::new(
            rows.len(),
            vec![
                timestamp,
                s("account", &|_| Some("111122223333")),
                s("region", &|r| r.region),
                s("inference_region", &|_| None),
                s("request_id", &|r| Some(r.id)),
                s("model_id", &|_| Some("amazon.nova-micro-v1:0")),
                s("identity_arn", &|_| None),
                s("operation", &|_| Some("Converse")),
                s("request_metadata", &|r| r.metadata),
                u("input_tokens", &|r| r.input),
                u("output_tokens", &|_| Some(5)),
                u("cache_read_tokens", &|_| None),
                u("cache_write_tokens", &|_| None),
                s("error_code", &|r| r.error),
            ],
        )
        .unwrap();
        ParquetWriter::new(std::fs::File::create(path).unwrap())
            .finish(&mut df)
            .unwrap();
    }

    #[test]
    fn rows_are_checked_by_the_log_ingests_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        write(
            &path,
            &[
                Row {
                    metadata: Some(r#"{"team":"search"}"#),
                    ..Row::ok("good")
                },
                Row {
                    region: None,
                    ..Row::ok("no-region")
                },
                Row {
                    input: None,
                    error: Some("ThrottlingException"),
                    ..Row::ok("failed")
                },
                Row {
                    input: None,
                    ..Row::ok("no-input")
                },
                Row {
                    metadata: Some("[1]"),
                    ..Row::ok("list-metadata")
                },
            ],
        );
        let mut seen = vec![];
        read_table(&path, |row| {
            seen.push(row.map(|r| {
                (
                    r.request_id.to_string(),
                    r.meta("team").map(str::to_string),
                    r.tokens,
                )
            }))
        })
        .unwrap();
        let tokens = |input| Tokens {
            input,
            output: 5,
            ..Tokens::default()
        };
        let bad = |row, reason: &str| {
            Err(BadRow {
                row,
                reason: reason.into(),
            })
        };
        assert_eq!(
            seen,
            vec![
                Ok(("good".into(), Some("search".into()), tokens(10))),
                bad(2, "region is missing"),
                // A failed invocation needs no counts, as in the logs.
                Ok(("failed".into(), None, tokens(0))),
                bad(4, "input_tokens is missing"),
                bad(5, "request_metadata is not a JSON object"),
            ]
        );
    }
}
