//! `log-aggregates.parquet`: Logs Insights sums per account, log group, model, region and hour
//! (`collect logs --server-side`), and the rule a re-collection replaces rows by.

use std::path::Path;

use polars::prelude::{Column, DataFrame, DataType};

use super::Window;
use crate::collect::cloudwatch_logs::{field, parse_count, Row, AGG_FIELDS};

/// Columns of log-aggregates.parquet: where a row came from, then the Logs Insights fields
/// (`modelId` as `model_id`); the last five are counts.
fn columns() -> Vec<&'static str> {
    let fields = AGG_FIELDS
        .iter()
        .map(|f| if *f == "modelId" { "model_id" } else { f });
    ["account", "collected_in", "log_group"]
        .into_iter()
        .chain(fields)
        .collect()
}

/// Writes the aggregated `rows` ((region collected in, row with its `log_group`)) into the
/// file at `path`, merged with its earlier rows, and returns the rows written. Replaced: this
/// account's log groups read here (`parts`: region, log group), for the hours of this window.
pub fn save(
    path: &Path,
    rows: &[(String, Row)],
    account: &str,
    parts: &[(String, String)],
    w: &Window,
) -> anyhow::Result<u64> {
    let mut table: Vec<Vec<String>> = rows
        .iter()
        .map(|(collected_in, r)| {
            let mut v = vec![
                account.to_string(),
                collected_in.clone(),
                field(r, "log_group"),
            ];
            v.extend(AGG_FIELDS.iter().map(|f| field(r, f)));
            v
        })
        .collect();
    if path.exists() {
        // Replaced: this account's log groups read here, for the hours of this window.
        let in_window = |hour: &str| {
            chrono::NaiveDateTime::parse_from_str(hour, "%Y-%m-%d %H:%M:%S%.f")
                .map(|h| h.and_utc() >= w.start && h.and_utc() < w.end)
                .unwrap_or(false)
        };
        let old = super::read_parquet(path)?;
        let cols: Vec<Vec<String>> = columns()
            .iter()
            .map(|c| -> anyhow::Result<Vec<String>> {
                if old.column(c).is_err() && (*c == "account" || *c == "log_group") {
                    return Ok(vec![String::new(); old.height()]);
                }
                Ok(old
                    .column(c)?
                    .cast(&DataType::String)?
                    .str()?
                    .iter()
                    .map(|v| v.unwrap_or_default().to_string())
                    .collect())
            })
            .collect::<anyhow::Result<_>>()?;
        for i in 0..old.height() {
            let row: Vec<String> = cols.iter().map(|c| c[i].clone()).collect();
            let replaced = row[0] == account
                && parts.iter().any(|(r, g)| *r == row[1] && *g == row[2])
                && in_window(&row[3]);
            if !replaced {
                table.push(row);
            }
        }
    }
    let names = columns();
    let column = |i: usize| -> Column {
        let name = names[i];
        if i >= 6 {
            Column::new(
                name.into(),
                table
                    .iter()
                    .map(|r| parse_count(&r[i]))
                    .collect::<Vec<u64>>(),
            )
        } else {
            Column::new(
                name.into(),
                table.iter().map(|r| r[i].clone()).collect::<Vec<String>>(),
            )
        }
    };
    let mut df = DataFrame::new(table.len(), (0..names.len()).map(column).collect())?;
    super::write_parquet(path, &mut df)?;
    Ok(table.len() as u64)
}
