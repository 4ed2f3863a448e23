//! Logs Insights server-side aggregation over a time range that may return too many rows: a
//! query returning the row limit is presumed truncated, and its range is split in half and run
//! again, until every piece comes back under the limit (or a piece is one bin wide).
//!
//! Facts sheet, section B: at most 10,000 rows per GetQueryResults page and 100,000 per query.

/// A time range in epoch seconds, start inclusive, end exclusive.
pub type Range = (i64, i64);

/// The two halves to run instead of `range`, when its `rows` reached `limit` (presumed
/// truncated) and it is wider than one bin; halves are cut on a bin boundary since the epoch.
pub fn split(range: Range, rows: usize, limit: usize, min_width: i64) -> Option<(Range, Range)> {
    let (s, e) = range;
    if rows < limit || e - s <= min_width {
        return None;
    }
    // Cut on a bin boundary (a multiple of `min_width` since the epoch, as `bin()` counts),
    // near the middle, strictly inside the range.
    let w = min_width;
    let near_mid = (s + (e - s) / 2).div_euclid(w) * w;
    let mid = if near_mid > s {
        near_mid
    } else {
        (s.div_euclid(w) + 1) * w
    };
    (mid < e).then_some(((s, mid), (mid, e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How a collector drives `split`, for these tests: runs `query` over `range`, splitting
    /// where a result reaches `limit` rows; returns the rows of every piece, in time order,
    /// and the number of queries run.
    fn run_split<R, E>(
        range: Range,
        limit: usize,
        min_width: i64,
        query: &mut impl FnMut(Range) -> Result<Vec<R>, E>,
    ) -> Result<(Vec<R>, u32), E> {
        let mut out = vec![];
        let mut queries = 0;
        let mut stack = vec![range];
        while let Some((s, e)) = stack.pop() {
            let rows = query((s, e))?;
            queries += 1;
            if let Some((first, second)) = split((s, e), rows.len(), limit, min_width) {
                // Later half pushed first so the earlier half runs (and lands) first.
                stack.push(second);
                stack.push(first);
                continue;
            }
            out.extend(rows);
        }
        Ok((out, queries))
    }

    #[test]
    fn splits_until_under_the_limit() {
        // One row per 60 s over a day (1,440 rows), a limit of 500: the day is halved until
        // each piece holds < 500 rows: 4 pieces of 360 rows after 1 + 2 + 4 = 7 queries.
        let mut calls = vec![];
        let mut q = |(s, e): Range| -> Result<Vec<i64>, ()> {
            calls.push((s, e));
            let rows: Vec<i64> = (s..e).step_by(60).collect();
            Ok(rows.into_iter().take(500).collect())
        };
        let (rows, n) = run_split((0, 86_400), 500, 3_600, &mut q).unwrap();
        assert_eq!(rows.len(), 1_440);
        assert_eq!(n, 7);
        assert!(rows.windows(2).all(|w| w[0] < w[1]), "time order kept");
    }

    #[test]
    fn stops_at_one_bin_and_passes_errors_on() {
        let mut q = |_: Range| -> Result<Vec<u8>, ()> { Ok(vec![0; 10]) };
        let (rows, n) = run_split((0, 7_200), 10, 3_600, &mut q).unwrap();
        // split once into two one-hour bins, which cannot be split further
        assert_eq!((rows.len(), n), (20, 3));
        let mut bad = |_: Range| -> Result<Vec<u8>, &str> { Err("AccessDenied") };
        assert_eq!(
            run_split((0, 10), 10, 1, &mut bad).unwrap_err(),
            "AccessDenied"
        );
    }
}
