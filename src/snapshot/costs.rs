//! `costs.parquet`: Cost Explorer rows (account, day, service, usage type, linked account, the
//! usage type's parsed fields, cost and quantity as exact decimal strings), and the rule a
//! re-collection replaces rows by.

use std::path::Path;

use anyhow::Context;
use chrono::NaiveDate;
use polars::prelude::{Column, DataFrame};

use crate::collect::cost_explorer::usage_type::{self, kind_name, mode_name};
use crate::collect::cost_explorer::{self, CostRow};
use crate::usage::Diagnostics;

/// Writes `rows` (of `account`) into the costs file at `path`, merged with its earlier rows,
/// and returns the rows written and the regions they hold. Replaced: this account's rows of
/// the services read, on the days collected (`start`..`end`); other accounts, services and
/// days stay, except earlier rows without a readable day (located in `dg`).
pub fn save(
    path: &Path,
    rows: &[CostRow],
    account: Option<&str>,
    start: NaiveDate,
    end: NaiveDate,
    services: &[String],
    dg: &mut Diagnostics,
) -> anyhow::Result<(u64, Vec<String>)> {
    let account = account.map(str::to_string);
    let mut all: Vec<(Option<String>, CostRow)> =
        rows.iter().map(|r| (account.clone(), r.clone())).collect();
    if path.exists() {
        all.extend(read(path, dg)?.into_iter().filter(|(acct, r)| {
            *acct != account || r.day < start || r.day >= end || !services.contains(&r.service)
        }));
    }
    super::write_parquet(path, &mut frame(&all)?)?;
    let regions = all
        .iter()
        .filter_map(|(_, r)| r.parsed.as_ref().and_then(|p| p.region.clone()))
        .collect();
    Ok((all.len() as u64, regions))
}

fn frame(all: &[(Option<String>, CostRow)]) -> anyhow::Result<DataFrame> {
    let rows: Vec<&CostRow> = all.iter().map(|(_, r)| r).collect();
    let s = |f: &dyn Fn(&CostRow) -> Option<String>| -> Vec<Option<String>> {
        rows.iter().map(|r| f(r)).collect()
    };
    Ok(DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "account".into(),
                all.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            ),
            Column::new("day".into(), s(&|r| Some(r.day.to_string()))),
            Column::new("service".into(), s(&|r| Some(r.service.clone()))),
            Column::new("usage_type".into(), s(&|r| Some(r.usage_type.clone()))),
            Column::new("linked_account".into(), s(&|r| r.linked_account.clone())),
            Column::new("cost".into(), s(&|r| Some(r.cost.to_string()))),
            Column::new("cost_unit".into(), s(&|r| Some(r.cost_unit.clone()))),
            Column::new("quantity".into(), s(&|r| Some(r.quantity.to_string()))),
            Column::new(
                "quantity_unit".into(),
                s(&|r| Some(r.quantity_unit.clone())),
            ),
            Column::new(
                "parsed".into(),
                rows.iter()
                    .map(|r| r.parsed.is_some())
                    .collect::<Vec<bool>>(),
            ),
            Column::new(
                "region".into(),
                s(&|r| r.parsed.as_ref().and_then(|p| p.region.clone())),
            ),
            Column::new(
                "model".into(),
                s(&|r| r.parsed.as_ref().and_then(|p| p.model.clone())),
            ),
            Column::new(
                "token_kind".into(),
                s(&|r| r.parsed.as_ref().map(kind_name)),
            ),
            Column::new("mode".into(), s(&|r| r.parsed.as_ref().map(mode_name))),
            Column::new(
                "marketplace".into(),
                rows.iter()
                    .map(|r| r.parsed.as_ref().map(|p| p.marketplace))
                    .collect::<Vec<Option<bool>>>(),
            ),
        ],
    )?)
}

/// An earlier costs file's rows (with their account): one without a readable day is left
/// out, located in `dg`; an unreadable amount fails the read (never $0).
pub fn read(path: &Path, dg: &mut Diagnostics) -> anyhow::Result<Vec<(Option<String>, CostRow)>> {
    let df = super::read_parquet(path)?;
    let s = |n: &str| super::text(&df, n, str::to_string);
    let (account, day, service, ut, acct, cost, cu, q, qu) = (
        super::text_added(&df, "account", str::to_string)?,
        s("day")?,
        s("service")?,
        s("usage_type")?,
        s("linked_account")?,
        s("cost")?,
        s("cost_unit")?,
        s("quantity")?,
        s("quantity_unit")?,
    );
    let mut out = vec![];
    for i in 0..df.height() {
        let d = match day[i].as_deref() {
            None => Err("day is missing"),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| "day is not a date (YYYY-MM-DD)"),
        };
        let d = match d {
            Ok(d) => d,
            Err(reason) => {
                dg.push_row(0, path, i as u64 + 1, reason.into());
                continue;
            }
        };
        let usage_type = ut[i].clone().unwrap_or_default();
        let amount = |v: &Option<String>, field: &str| {
            v.as_deref().and_then(cost_explorer::parse_amount).with_context(|| {
                format!(
                    "{}: row {}: unreadable amount in `{field}` (`{}`); hint: collect the costs again with `bedrock-lens collect costs --out DIR`",
                    path.display(),
                    i + 1,
                    crate::io::clean(v.as_deref().unwrap_or(""))
                )
            })
        };
        out.push((
            account[i].clone(),
            CostRow {
                day: d,
                service: service[i].clone().unwrap_or_default(),
                parsed: usage_type::parse(&usage_type),
                usage_type,
                linked_account: acct[i].clone(),
                cost: amount(&cost[i], "cost")?,
                cost_unit: cu[i].clone().unwrap_or_default(),
                quantity: amount(&q[i], "quantity")?,
                quantity_unit: qu[i].clone().unwrap_or_default(),
            },
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: &str) -> NaiveDate {
        NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()
    }

    /// A $0.50 Nova Micro input row of day `d`.
    fn row(d: &str) -> CostRow {
        CostRow {
            day: day(d),
            service: "Amazon Bedrock".into(),
            usage_type: "USE1-NovaMicro-input-tokens".into(),
            linked_account: None,
            cost: "0.5".parse().unwrap(),
            cost_unit: "USD".into(),
            quantity: "1".parse().unwrap(),
            quantity_unit: "N/A".into(),
            parsed: None,
        }
    }

    #[test]
    fn an_unreadable_amount_fails_the_read_never_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("costs.parquet");
        let mut df = frame(&[(None, row("2026-10-01"))]).unwrap();
        df.with_column(Column::new("cost".into(), vec![Some("n/a")]))
            .unwrap();
        super::super::write_parquet(&path, &mut df).unwrap();
        let e = read(&path, &mut Diagnostics::default()).unwrap_err();
        assert!(
            format!("{e:#}").contains("costs.parquet: row 1: unreadable amount"),
            "{e:#}"
        );
    }

    #[test]
    fn earlier_rows_without_a_day_go_and_are_said() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("costs.parquet");
        let all = [(None, row("2026-10-01")), (None, row("2026-10-02"))];
        let mut df = frame(&all).unwrap();
        let days = Column::new("day".into(), vec![Some("2026-10-01"), Some("yesterday")]);
        df.with_column(days).unwrap();
        super::super::write_parquet(&path, &mut df).unwrap();
        // Other days: nothing is replaced; the row without a day is left out and said.
        let mut dg = Diagnostics::default();
        let (n, _) = save(
            &path,
            &[],
            None,
            day("2026-11-01"),
            day("2026-11-02"),
            &["Amazon Bedrock".into()],
            &mut dg,
        )
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            (dg.shown[0].location.clone(), dg.shown[0].message.clone()),
            (
                format!("{}: row 2", path.display()),
                "day is not a date (YYYY-MM-DD)".to_string()
            )
        );
    }
}
