//! `record-types.parquet`: the bill per service, day and Cost Explorer record type (usage,
//! credits, refunds, discounts, tax...), UnblendedCost and NetUnblendedCost as exact decimal
//! strings; merged on re-collection by the same rule as `costs.parquet`.

use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use polars::prelude::{Column, DataFrame};

use crate::collect::cost_explorer::{self, RecordTypeRow};

/// A row with the account it was collected for.
pub type Owned = (Option<String>, RecordTypeRow);

/// Writes `rows` (of `account`) into the file at `path`, merged with its earlier rows: this
/// account's rows of `services` on the days collected (`start`..`end`) are replaced. Returns
/// the rows written.
pub fn save(
    path: &Path,
    rows: &[RecordTypeRow],
    account: Option<&str>,
    (start, end): (NaiveDate, NaiveDate),
    services: &[String],
) -> anyhow::Result<u64> {
    let account = account.map(str::to_string);
    let mut all: Vec<Owned> = rows.iter().map(|r| (account.clone(), r.clone())).collect();
    if path.exists() {
        all.extend(read(path)?.into_iter().filter(|(acct, r)| {
            *acct != account || r.day < start || r.day >= end || !services.contains(&r.service)
        }));
    }
    let col = |name: &str, f: &dyn Fn(&Owned) -> Option<String>| {
        Column::new(name.into(), all.iter().map(f).collect::<Vec<_>>())
    };
    let mut df = DataFrame::new(
        all.len(),
        vec![
            col("account", &|(a, _)| a.clone()),
            col("day", &|(_, r)| Some(r.day.to_string())),
            col("service", &|(_, r)| Some(r.service.clone())),
            col("linked_account", &|(_, r)| r.linked_account.clone()),
            col("record_type", &|(_, r)| Some(r.record_type.clone())),
            col("unblended", &|(_, r)| Some(r.unblended.to_string())),
            col("net_unblended", &|(_, r)| Some(r.net_unblended.to_string())),
        ],
    )?;
    super::write_parquet(path, &mut df)?;
    Ok(all.len() as u64)
}

/// The record types of the snapshot in `dir`, `None` when it has none (collected before they
/// were).
pub fn read_in(dir: &Path) -> anyhow::Result<Option<Vec<Owned>>> {
    let path = dir.join(super::RECORD_TYPES);
    path.exists().then(|| read(&path)).transpose()
}

/// The file's rows with their account. A row without a readable day or amount fails the read
/// (never a guess, never $0).
pub fn read(path: &Path) -> anyhow::Result<Vec<Owned>> {
    let df = super::read_parquet(path)?;
    let s = |n: &str| super::text(&df, n, str::to_string);
    let (account, day, service, acct, rt, ub, net) = (
        s("account")?,
        s("day")?,
        s("service")?,
        s("linked_account")?,
        s("record_type")?,
        s("unblended")?,
        s("net_unblended")?,
    );
    (0..df.height())
        .map(|i| {
            let at = || format!("{}: row {}", path.display(), i + 1);
            let amount = |v: &Option<String>, field: &str| {
                v.as_deref()
                    .and_then(cost_explorer::parse_amount)
                    .with_context(|| format!("{}: unreadable {field}", at()))
            };
            let d = day[i]
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .with_context(|| format!("{}: day is not a date (YYYY-MM-DD)", at()))?;
            Ok((
                account[i].clone(),
                RecordTypeRow {
                    day: d,
                    service: service[i].clone().unwrap_or_default(),
                    linked_account: acct[i].clone(),
                    record_type: rt[i].clone().unwrap_or_default(),
                    unblended: amount(&ub[i], "unblended")?,
                    net_unblended: amount(&net[i], "net_unblended")?,
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: &str, record_type: &str, amount: &str) -> RecordTypeRow {
        RecordTypeRow {
            day: NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap(),
            service: "Amazon Bedrock".into(),
            linked_account: None,
            record_type: record_type.into(),
            unblended: amount.parse().unwrap(),
            net_unblended: amount.parse().unwrap(),
        }
    }

    #[test]
    fn a_recollected_day_is_replaced_and_others_stay_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("record-types.parquet");
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let svc = ["Amazon Bedrock".to_string()];
        let first = [
            row("2026-10-01", "Usage", "10.0000000001"),
            row("2026-10-02", "Credit", "-2.5"),
        ];
        save(
            &path,
            &first,
            Some("1"),
            (d("2026-10-01"), d("2026-10-03")),
            &svc,
        )
        .unwrap();
        let again = [row("2026-10-02", "Credit", "-3")];
        let n = save(
            &path,
            &again,
            Some("1"),
            (d("2026-10-02"), d("2026-10-03")),
            &svc,
        )
        .unwrap();
        assert_eq!(n, 2);
        let mut got: Vec<(String, String)> = read(&path)
            .unwrap()
            .into_iter()
            .map(|(_, r)| (r.record_type, r.unblended.to_string()))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("Credit".to_string(), "-3".to_string()),
                ("Usage".to_string(), "10.0000000001".to_string())
            ]
        );
    }
}
