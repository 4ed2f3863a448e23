//! `log-sums.parquet`: the rows of the Athena aggregation (`collect logs --athena`): invocations,
//! errors and token sums per account, call region, model id, hour, long-context bucket, set of
//! non-zero token kinds and the keys the collection asked for, and the diagnostic rows of the
//! same scan (`problem` set). Read back by `report --snapshot`, which prices each group as its
//! requests one by one would be priced. No prompt or response text is ever part of a row.

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use polars::prelude::{Column, DataFrame};

use super::Window;
use crate::collect::athena_sql::{by_words, COUNTS, FIXED_KEYS};

/// One result row: its key values (in `Sums::keys` order; `None` for SQL NULL) and counts (in
/// `COUNTS` order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumRow {
    pub values: Vec<Option<String>>,
    pub counts: [u64; 7],
}

/// The aggregation's rows with the names of their key columns (`FIXED_KEYS`, then the `--by`
/// keys: `identity_arn`, `operation`, `meta_KEY`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sums {
    pub keys: Vec<String>,
    pub rows: Vec<SumRow>,
}

/// Column of a row's count.
pub fn count_index(name: &str) -> usize {
    COUNTS
        .iter()
        .position(|c| *c == name)
        .expect("a count column")
}

impl Sums {
    /// The sums from a result table: `header` as the query names its columns, then rows of text
    /// values. A column missing or a count that is not a whole number is an error naming it.
    pub fn from_table(header: &[String], rows: Vec<Vec<Option<String>>>) -> Result<Sums, String> {
        let n_keys = header.len().saturating_sub(COUNTS.len());
        let (keys, counts) = header.split_at(n_keys);
        if counts != COUNTS
            || keys.len() < FIXED_KEYS.len()
            || keys[..FIXED_KEYS.len()] != *FIXED_KEYS
        {
            return Err(format!(
                "the result's columns are not the aggregation's: {}",
                header.join(", ")
            ));
        }
        let mut out = Sums {
            keys: keys.to_vec(),
            rows: Vec::with_capacity(rows.len()),
        };
        for (i, mut r) in rows.into_iter().enumerate() {
            if r.len() != header.len() {
                return Err(format!(
                    "result row {}: {} values for {} columns",
                    i + 1,
                    r.len(),
                    header.len()
                ));
            }
            let tail = r.split_off(n_keys);
            let mut c = [0u64; 7];
            for (j, v) in tail.iter().enumerate() {
                c[j] = v.as_deref().unwrap_or("0").parse().map_err(|_| {
                    format!("result row {}: {} is not a whole number", i + 1, COUNTS[j])
                })?;
            }
            out.rows.push(SumRow {
                values: r,
                counts: c,
            });
        }
        Ok(out)
    }

    /// The index of key column `name`.
    pub fn key(&self, name: &str) -> Option<usize> {
        self.keys.iter().position(|k| k == name)
    }

    /// A row's value of key column `i` (`None` for SQL NULL).
    pub fn value<'a>(&self, row: &'a SumRow, i: usize) -> Option<&'a str> {
        row.values[i].as_deref()
    }
}

/// A row's invocations and its four token sums (input, output, cache read, cache write).
pub fn usage(row: &SumRow) -> [u64; 5] {
    [
        "invocations",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
    ]
    .map(|c| row.counts[count_index(c)])
}

/// The hour a row's records are of (`None` for a problem row without a usable timestamp).
pub fn hour_of(s: &Sums, row: &SumRow) -> Option<DateTime<Utc>> {
    let h = s.value(row, s.key("hour")?)?;
    chrono::NaiveDateTime::parse_from_str(h, "%Y-%m-%dT%H:%MZ")
        .ok()
        .map(|t| t.and_utc())
}

/// The window column: which collection a row came from (rows without an hour are replaced by
/// the window they were collected with).
const WINDOW: &str = "collected_window";

fn window_text(w: &Window) -> String {
    format!("{}/{}", w.start.to_rfc3339(), w.end.to_rfc3339())
}

/// The window a `collected_window` value names.
pub fn window_of(text: &str) -> Option<Window> {
    let (s, e) = text.split_once('/')?;
    Some(Window {
        start: DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc),
        end: DateTime::parse_from_rfc3339(e).ok()?.with_timezone(&Utc),
    })
}

fn overlaps(text: &str, w: &Window) -> bool {
    window_of(text).is_some_and(|o| o.start < w.end && o.end > w.start)
}

/// Writes `new` (collected over window `w` for `accounts`) into the file at `path`, merged with
/// its earlier rows, and returns the rows written. Replaced: earlier rows of these accounts (or
/// of no account) whose hour is in the window, or without an hour and collected over a window
/// that overlaps it. A file collected with other keys is an error (its rows cannot be merged).
pub fn save(path: &Path, new: &Sums, accounts: &[String], w: &Window) -> anyhow::Result<u64> {
    let mut rows: Vec<(SumRow, String)> = new
        .rows
        .iter()
        .map(|r| (r.clone(), window_text(w)))
        .collect();
    if path.exists() {
        let (old, windows) = read_with_windows(path)?;
        if old.keys != new.keys {
            anyhow::bail!(
                "{} holds sums grouped by {}, this collection by {}: they cannot be merged (collect into another --out, or with the same --by)",
                path.display(),
                by_words(&old.keys),
                by_words(&new.keys),
            );
        }
        let acct = old.key("account").expect("a fixed key");
        for (r, win) in old.rows.iter().zip(windows) {
            let mine = old
                .value(r, acct)
                .is_none_or(|a| accounts.iter().any(|x| x == a));
            // The same window collected again replaces all its rows (its duplicates and records
            // outside it too); another window, the rows of this one's hours.
            let replaced = mine
                && (window_of(&win).as_ref() == Some(w)
                    || match hour_of(&old, r) {
                        Some(h) => h >= w.start && h < w.end,
                        None => overlaps(&win, w),
                    });
            if !replaced {
                rows.push((r.clone(), win));
            }
        }
    }
    let mut cols: Vec<Column> = new
        .keys
        .iter()
        .enumerate()
        .map(|(i, name)| {
            Column::new(
                name.as_str().into(),
                rows.iter()
                    .map(|(r, _)| r.values[i].clone())
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    for (j, name) in COUNTS.iter().enumerate() {
        cols.push(Column::new(
            (*name).into(),
            rows.iter().map(|(r, _)| r.counts[j]).collect::<Vec<u64>>(),
        ));
    }
    cols.push(Column::new(
        WINDOW.into(),
        rows.iter().map(|(_, w)| w.clone()).collect::<Vec<_>>(),
    ));
    let mut df = DataFrame::new(rows.len(), cols)?;
    super::write_parquet(path, &mut df)?;
    Ok(rows.len() as u64)
}

/// Adds the objects a collection listed (key, bytes as stored) to the file at `path`, each key
/// once: what `report --logs` would read over the same objects (`files`, `bytes`).
pub fn save_objects(path: &Path, objects: &[(String, u64)]) -> anyhow::Result<()> {
    let mut all: std::collections::BTreeMap<String, u64> =
        read_objects(path)?.into_iter().collect();
    all.extend(objects.iter().cloned());
    let mut df = DataFrame::new(
        all.len(),
        vec![
            Column::new("key".into(), all.keys().cloned().collect::<Vec<_>>()),
            Column::new("bytes".into(), all.values().copied().collect::<Vec<u64>>()),
        ],
    )?;
    super::write_parquet(path, &mut df)
}

/// The objects listed so far (none without the file).
pub fn read_objects(path: &Path) -> anyhow::Result<Vec<(String, u64)>> {
    if !path.exists() {
        return Ok(vec![]);
    }
    let df = super::read_parquet(path)?;
    let keys = super::strings(&df, "key")?;
    let bytes: Vec<u64> = df
        .column("bytes")
        .with_context(|| format!("{}: no column `bytes`", path.display()))?
        .u64()
        .with_context(|| format!("{}: column `bytes` is not a count", path.display()))?
        .iter()
        .map(|b| b.unwrap_or(0))
        .collect();
    Ok(keys.into_iter().zip(bytes).collect())
}

/// Reads the file back.
pub fn read(path: &Path) -> anyhow::Result<Sums> {
    Ok(read_with_windows(path)?.0)
}

/// The sums with each row's `collected_window`.
pub fn read_with_windows(path: &Path) -> anyhow::Result<(Sums, Vec<String>)> {
    let df = super::read_parquet(path)?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let keys: Vec<String> = names
        .iter()
        .filter(|n| !COUNTS.contains(&n.as_str()) && n.as_str() != WINDOW)
        .cloned()
        .collect();
    if keys.len() < FIXED_KEYS.len() || keys[..FIXED_KEYS.len()] != *FIXED_KEYS {
        anyhow::bail!(
            "{}: not the aggregation's columns ({})",
            path.display(),
            names.join(", ")
        );
    }
    let values: Vec<Vec<Option<String>>> = keys
        .iter()
        .map(|k| super::text(&df, k, str::to_string))
        .collect::<anyhow::Result<_>>()?;
    let counts: Vec<Vec<Option<u64>>> = COUNTS
        .iter()
        .map(|c| -> anyhow::Result<Vec<Option<u64>>> {
            Ok(df
                .column(c)
                .with_context(|| format!("{}: no column `{c}`", path.display()))?
                .u64()
                .with_context(|| format!("{}: column `{c}` is not a count", path.display()))?
                .iter()
                .collect())
        })
        .collect::<anyhow::Result<_>>()?;
    let windows = super::strings(&df, WINDOW)?;
    let rows = (0..df.height())
        .map(|i| SumRow {
            values: values.iter().map(|c| c[i].clone()).collect(),
            counts: std::array::from_fn(|j| counts[j][i].unwrap_or(0)),
        })
        .collect();
    Ok((Sums { keys, rows }, windows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(extra: &[&str]) -> Vec<String> {
        FIXED_KEYS
            .iter()
            .chain(extra)
            .chain(COUNTS)
            .map(|s| s.to_string())
            .collect()
    }

    fn row(hour: &str, n: u64) -> Vec<Option<String>> {
        let mut v: Vec<Option<String>> = [
            "111122223333",
            "us-east-1",
            "amazon.nova-micro-v1:0",
            hour,
            &hour[..10],
            "0",
            "3",
            "",
            "arn:aws:iam::111122223333:user/u",
        ]
        .iter()
        .map(|s| Some(s.to_string()))
        .collect();
        v.extend([n, 0, 0, 100 * n, 10 * n, 0, 0].map(|c| Some(c.to_string())));
        v
    }

    #[test]
    fn a_recollected_window_replaces_its_hours_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log-sums.parquet");
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let day = |d: &str| Window {
            start: t(&format!("{d}T00:00:00Z")),
            end: t(&format!("{d}T00:00:00Z")) + chrono::Duration::days(1),
        };
        let h = header(&["identity_arn"]);
        let a = vec!["111122223333".to_string()];
        let first = Sums::from_table(
            &h,
            vec![row("2026-10-05T10:00Z", 2), row("2026-10-06T10:00Z", 3)],
        )
        .unwrap();
        let two_days = Window {
            start: day("2026-10-05").start,
            end: day("2026-10-06").end,
        };
        assert_eq!(save(&path, &first, &a, &two_days).unwrap(), 2);
        // Another window: only the rows of its hours are replaced.
        let again = Sums::from_table(&h, vec![row("2026-10-05T10:00Z", 5)]).unwrap();
        assert_eq!(save(&path, &again, &a, &day("2026-10-05")).unwrap(), 2);
        let back = read(&path).unwrap();
        let n: Vec<u64> = back.rows.iter().map(|r| r.counts[0]).collect();
        assert_eq!(n, vec![5, 3]);
        // The same window again: all its rows, those of hours outside it too (its duplicates and
        // records outside the period).
        let mut outside = row("2026-10-04T23:00Z", 7);
        outside[7] = Some("outside the period".into());
        let with_outside =
            Sums::from_table(&h, vec![row("2026-10-05T10:00Z", 5), outside]).unwrap();
        save(&path, &with_outside, &a, &day("2026-10-05")).unwrap();
        assert_eq!(save(&path, &again, &a, &day("2026-10-05")).unwrap(), 2);
        let n: Vec<u64> = read(&path)
            .unwrap()
            .rows
            .iter()
            .map(|r| r.counts[0])
            .collect();
        assert_eq!(n, vec![5, 3]);
        assert_eq!(back.keys, h[..h.len() - COUNTS.len()]);
        // Other keys cannot be merged into the file.
        let other = Sums::from_table(&header(&[]), vec![]).unwrap();
        let e = save(&path, &other, &a, &day("2026-10-05")).unwrap_err();
        assert!(e.to_string().contains("cannot be merged"), "{e}");
        // A count that is not a number names its row and column.
        let mut bad = row("2026-10-05T10:00Z", 1);
        let at = bad.len() - 4;
        bad[at] = Some("x".into());
        let e = Sums::from_table(&h, vec![bad]).unwrap_err();
        assert_eq!(e, "result row 1: input_tokens is not a whole number");
    }
}
