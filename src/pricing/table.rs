//! The priced usage table being written: one row per invocation in the schema of
//! `usage::table`, with the request's resolution and exact cost (integer pico-dollars), as
//! Parquet or CSV (polars) for BI tools, spreadsheets and snapshots.
//!
//! Rows are buffered per reading task and written in batches through one shared writer, so
//! memory stays bounded by the batch size whatever the input size.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use polars::prelude::*;

use super::{CostBreakdown, Resolution};
use crate::io::Output;
use crate::usage::table::{schema, TableFormat, BATCH_ROWS};
use crate::usage::{identity_principal, UsageRecord};

enum Writer {
    Parquet(Box<polars::io::parquet::write::BatchedWriter<File>>),
    Csv(polars::io::csv::write::BatchedWriter<File>),
}

impl Writer {
    fn write(&mut self, df: &DataFrame) -> PolarsResult<()> {
        match self {
            Writer::Parquet(w) => w.write_batch(df),
            Writer::Csv(w) => w.write_batch(df),
        }
    }

    fn finish(self) -> PolarsResult<()> {
        match self {
            Writer::Parquet(w) => w.finish().map(|_| ()),
            Writer::Csv(mut w) => w.finish(),
        }
    }
}

/// Batches in flight between the readers and the writer (bounds memory).
const QUEUE: usize = 2;

/// The table being written: reading tasks send batches to one writer thread, which owns the
/// file (a temporary file beside the target, renamed over it by `finish`). Readers never hold
/// a lock while polars works, so its own thread pool cannot deadlock with ours.
pub struct UsageTable {
    tx: SyncSender<DataFrame>,
    /// Text cells a spreadsheet would run as formulas get a leading `'` (CSV only).
    guard_formulas: bool,
    writer: JoinHandle<Result<(u64, tempfile::NamedTempFile), String>>,
    /// Where the finished table goes, and its name in messages.
    out: Output,
    path: PathBuf,
}

impl UsageTable {
    /// A table written to `path` (replaced atomically when finished).
    pub fn create(path: &Path, format: TableFormat) -> anyhow::Result<UsageTable> {
        let out = Output::File(crate::io::replaceable(path)?);
        UsageTable::create_at(&out, format, path)
    }

    /// A table delivered to `out` when finished (`name` is how messages call it).
    pub fn create_at(out: &Output, format: TableFormat, name: &Path) -> anyhow::Result<UsageTable> {
        let tmp = out.temp()?;
        let file = tmp.reopen()?;
        let schema = schema();
        let mut writer = match format {
            TableFormat::Parquet => {
                Writer::Parquet(Box::new(ParquetWriter::new(file).batched(&schema)?))
            }
            TableFormat::Csv => Writer::Csv(
                CsvWriter::new(file)
                    .include_header(true)
                    .with_datetime_format(Some("%Y-%m-%dT%H:%M:%S%.3fZ".into()))
                    .batched(&schema)?,
            ),
        };
        let (tx, rx) = sync_channel::<DataFrame>(QUEUE);
        let writer = std::thread::spawn(move || {
            let mut rows = 0u64;
            for df in rx {
                writer.write(&df).map_err(|e| e.to_string())?;
                rows += df.height() as u64;
            }
            writer.finish().map_err(|e| e.to_string())?;
            Ok((rows, tmp))
        });
        Ok(UsageTable {
            tx,
            guard_formulas: format == TableFormat::Csv,
            writer,
            out: out.clone(),
            path: name.to_path_buf(),
        })
    }

    /// Finishes the file and moves it into place; returns the number of rows written. Call it
    /// once every reader's buffer is flushed and dropped.
    pub fn finish(self) -> anyhow::Result<u64> {
        drop(self.tx);
        let (rows, tmp) = self
            .writer
            .join()
            .map_err(|_| anyhow::anyhow!("the usage-table writer panicked"))?
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", self.path.display()))?;
        tmp.as_file().sync_all()?;
        self.out.deliver(tmp)?;
        Ok(rows)
    }
}

/// Rows buffered by one reading task.
pub struct TableBuffer<'t> {
    tx: SyncSender<DataFrame>,
    guard_formulas: bool,
    _table: std::marker::PhantomData<&'t UsageTable>,
    ts: Vec<i64>,
    account: Vec<String>,
    region: Vec<String>,
    inference_region: Vec<Option<String>>,
    request_id: Vec<String>,
    model_id: Vec<String>,
    model: Vec<Option<String>>,
    profile: Vec<String>,
    identity_arn: Vec<String>,
    identity: Vec<String>,
    operation: Vec<String>,
    metadata: Vec<Option<String>>,
    /// Input, output, cache read, cache write; all null for a record logged without counts.
    tokens: [Vec<Option<u64>>; 4],
    error_code: Vec<Option<String>>,
    long_context: Vec<bool>,
    cost: Vec<Option<i64>>,
    unpriced: Vec<Option<String>>,
}

impl<'t> TableBuffer<'t> {
    pub fn new(table: &'t UsageTable) -> Self {
        TableBuffer {
            tx: table.tx.clone(),
            guard_formulas: table.guard_formulas,
            _table: std::marker::PhantomData,
            ts: vec![],
            account: vec![],
            region: vec![],
            inference_region: vec![],
            request_id: vec![],
            model_id: vec![],
            model: vec![],
            profile: vec![],
            identity_arn: vec![],
            identity: vec![],
            operation: vec![],
            metadata: vec![],
            tokens: Default::default(),
            error_code: vec![],
            long_context: vec![],
            cost: vec![],
            unpriced: vec![],
        }
    }

    pub fn push(
        &mut self,
        r: &UsageRecord,
        res: &Resolution,
        cost: &Result<CostBreakdown, String>,
    ) {
        self.ts.push(r.timestamp.timestamp_millis());
        self.account.push(r.account.to_string());
        self.region.push(r.region.to_string());
        self.inference_region
            .push(r.inference_region.map(str::to_string));
        self.request_id.push(r.request_id.to_string());
        self.model_id.push(r.model_id.to_string());
        self.model.push(res.model.clone());
        self.profile.push(res.kind.as_str().to_string());
        self.identity_arn.push(r.identity_arn.to_string());
        self.identity
            .push(identity_principal(r.identity_arn).to_string());
        self.operation.push(r.operation.to_string());
        self.metadata.push(r.request_metadata.map(|m| {
            let obj: serde_json::Map<String, serde_json::Value> = m
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        serde_json::Value::String(v.as_str().to_string()),
                    )
                })
                .collect();
            serde_json::Value::Object(obj).to_string()
        }));
        let t = &r.tokens;
        for (col, v) in self
            .tokens
            .iter_mut()
            .zip([t.input, t.output, t.cache_read, t.cache_write])
        {
            col.push((!r.guardrail_blocked).then_some(v));
        }
        self.error_code.push(r.error_code.map(str::to_string));
        match cost {
            Ok(c) => {
                self.long_context.push(c.long_context);
                // A single request's cost is far below i64::MAX pico-dollars ($9.2M).
                self.cost.push(i64::try_from(c.total().0).ok());
                self.unpriced.push(None);
            }
            Err(reason) => {
                self.long_context.push(false);
                self.cost.push(None);
                self.unpriced.push(Some(reason.clone()));
            }
        }
        if self.ts.len() >= BATCH_ROWS {
            self.flush();
        }
    }

    /// Writes the buffered rows as one batch.
    pub fn flush(&mut self) {
        if self.ts.is_empty() {
            return;
        }
        let n = self.ts.len();
        let guard = |v: String| -> String {
            if self.guard_formulas {
                crate::io::csv_cell(&v).into_owned()
            } else {
                v
            }
        };
        let s = |name: &str, v: Vec<String>| {
            Column::new(name.into(), v.into_iter().map(guard).collect::<Vec<_>>())
        };
        let o = |name: &str, v: Vec<Option<String>>| {
            Column::new(
                name.into(),
                v.into_iter().map(|x| x.map(guard)).collect::<Vec<_>>(),
            )
        };
        let [ti, to, tr, tw] = std::mem::take(&mut self.tokens);
        let columns = vec![
            Series::new("timestamp".into(), std::mem::take(&mut self.ts))
                .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                .into(),
            s("account", std::mem::take(&mut self.account)),
            s("region", std::mem::take(&mut self.region)),
            o(
                "inference_region",
                std::mem::take(&mut self.inference_region),
            ),
            s("request_id", std::mem::take(&mut self.request_id)),
            s("model_id", std::mem::take(&mut self.model_id)),
            o("model", std::mem::take(&mut self.model)),
            s("profile", std::mem::take(&mut self.profile)),
            s("identity_arn", std::mem::take(&mut self.identity_arn)),
            s("identity", std::mem::take(&mut self.identity)),
            s("operation", std::mem::take(&mut self.operation)),
            o("request_metadata", std::mem::take(&mut self.metadata)),
            Column::new("input_tokens".into(), ti),
            Column::new("output_tokens".into(), to),
            Column::new("cache_read_tokens".into(), tr),
            Column::new("cache_write_tokens".into(), tw),
            o("error_code", std::mem::take(&mut self.error_code)),
            Column::new(
                "long_context".into(),
                std::mem::take(&mut self.long_context),
            ),
            Column::new("cost_pico_usd".into(), std::mem::take(&mut self.cost)),
            o("unpriced_reason", std::mem::take(&mut self.unpriced)),
        ];
        // A failed send means the writer stopped on an error, which `finish` reports.
        let df = DataFrame::new(n, columns).expect("usage-table columns have one length");
        let _ = self.tx.send(df);
    }
}
