//! The normalized usage table's schema (one row per invocation, every source in one schema) and
//! its read-back: a table written earlier (a snapshot's `invocations.parquet`) is read into
//! records again, one row group at a time. The writer, which adds each request's price, is
//! `pricing::table`. No prompt or response text is ever part of a row.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use chrono::DateTime;
use polars::prelude::{
    DataFrame, DataType, ParquetReader, PolarsResult, Schema, SerReader, TimeUnit, TimeZone,
};

use super::record::{Scalar, Str, Tokens, UsageRecord};

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

/// Reads a usage table (Parquet) back into records, one row group at a time (bounded memory),
/// calling `f` for each. Returns the rows read.
pub fn read_table(path: &Path, mut f: impl FnMut(&UsageRecord)) -> anyhow::Result<u64> {
    let open = || -> anyhow::Result<ParquetReader<std::fs::File>> {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        Ok(ParquetReader::new(file))
    };
    let total = open()?
        .num_rows()
        .with_context(|| format!("{}: not a readable Parquet file", path.display()))?;
    let mut offset = 0usize;
    let mut n = 0u64;
    while offset < total {
        let df = open()?
            .with_columns(Some(record_columns()))
            .with_slice(Some((offset, BATCH_ROWS)))
            .finish()
            .with_context(|| format!("{}: not a bedrock-lens usage table", path.display()))?;
        offset += BATCH_ROWS;
        n += records_of(&df, &mut f)
            .with_context(|| format!("{}: not a bedrock-lens usage table", path.display()))?;
    }
    Ok(n)
}

/// A datetime column as epoch milliseconds.
pub fn millis(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    Ok(df.column(name)?.datetime()?.physical().iter().collect())
}

fn records_of(df: &DataFrame, f: &mut impl FnMut(&UsageRecord)) -> PolarsResult<u64> {
    let s = |name: &str| -> PolarsResult<Vec<Option<&str>>> {
        Ok(df.column(name)?.str()?.iter().collect())
    };
    let u = |name: &str| -> PolarsResult<Vec<u64>> {
        Ok(df
            .column(name)?
            .u64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let ts = millis(df, "timestamp")?;
    let (account, region, inference_region, request_id, model_id, identity, operation, meta, error) = (
        s("account")?,
        s("region")?,
        s("inference_region")?,
        s("request_id")?,
        s("model_id")?,
        s("identity_arn")?,
        s("operation")?,
        s("request_metadata")?,
        s("error_code")?,
    );
    let (input, output, cache_read, cache_write) = (
        u("input_tokens")?,
        u("output_tokens")?,
        u("cache_read_tokens")?,
        u("cache_write_tokens")?,
    );
    let mut n = 0;
    for i in 0..df.height() {
        let Some(timestamp) = ts[i].and_then(DateTime::from_timestamp_millis) else {
            continue;
        };
        let metadata: Option<BTreeMap<Str, Scalar>> = meta[i].and_then(|m| {
            serde_json::from_str::<BTreeMap<String, String>>(m)
                .ok()
                .map(|m| {
                    m.into_iter()
                        .map(|(k, v)| (Str(k.into()), Scalar(v.into())))
                        .collect()
                })
        });
        let r = UsageRecord {
            timestamp,
            account: account[i].unwrap_or(""),
            region: region[i].unwrap_or(""),
            inference_region: inference_region[i],
            model_id: model_id[i].unwrap_or(""),
            identity_arn: identity[i].unwrap_or(""),
            operation: operation[i].unwrap_or(""),
            request_id: request_id[i].unwrap_or(""),
            request_metadata: metadata.as_ref(),
            tokens: Tokens {
                input: input[i],
                output: output[i],
                cache_read: cache_read[i],
                cache_write: cache_write[i],
            },
            error_code: error[i],
            body: None,
        };
        f(&r);
        n += 1;
    }
    Ok(n)
}
