//! Hand-computed checks of the review's arithmetic: month over month with top-N and other,
//! movers, the robust anomaly baseline, the forecast.

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn usd(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn amount(u: &str, calls: u64) -> Amount {
    Amount {
        usd: usd(u),
        calls,
        tokens: calls * 100,
        ..Default::default()
    }
}

#[test]
fn breakdown_month_over_month_with_new_vanished_and_other() {
    let now: BTreeMap<String, Amount> = [
        ("a".to_string(), amount("60", 6)),
        ("b".to_string(), amount("30", 3)),
        ("new".to_string(), amount("6", 1)),
        ("c".to_string(), amount("4", 1)),
    ]
    .into();
    let before: BTreeMap<String, Amount> = [
        ("a".to_string(), amount("50", 5)),
        ("b".to_string(), amount("40", 4)),
        ("gone".to_string(), amount("10", 2)),
        ("c".to_string(), amount("4", 1)),
    ]
    .into();
    let b = breakdown("model", &now, Some(&before), 3);
    let got: Vec<(&str, String, Option<String>, Option<&str>)> = b
        .rows
        .iter()
        .map(|r| {
            (
                r.key.as_str(),
                r.usd.0.to_string(),
                r.change_usd.map(|c| c.0.to_string()),
                r.status,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", "60".into(), Some("10".into()), None),
            ("b", "30".into(), Some("-10".into()), None),
            ("new", "6".into(), Some("6".into()), Some("new")),
        ]
    );
    // c ($4, unchanged) and gone ($0 now, $10 before) are "other": $4 now, $14 before.
    let o = b.other.clone().unwrap();
    assert_eq!(o.key, "other (2 more)");
    assert_eq!((o.usd.0, o.previous_usd.unwrap().0), (usd("4"), usd("14")));
    assert_eq!(
        (b.new.clone(), b.vanished.clone()),
        (vec!["new".to_string()], vec!["gone".to_string()])
    );
    // Totals equal the rows plus other.
    assert_eq!(b.total_usd.0, usd("100"));
    assert_eq!(b.previous_total_usd.unwrap().0, usd("104"));
    let m = movers(&b, 1);
    assert_eq!(
        m.iter()
            .map(|m| (m.key.as_str(), m.change_usd.0))
            .collect::<Vec<_>>(),
        [("a", usd("10")), ("b", usd("-10"))]
    );
}

#[test]
fn a_spike_against_the_same_kind_of_day_is_flagged_and_weekends_are_not() {
    // Weekdays at $10 (+/- $1), weekends at $3; 2026-10-07 (a Wednesday) at $25.
    let mut s: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    let mut day = d("2026-09-20");
    let mut i = 0;
    while day <= d("2026-10-10") {
        let v = if weekend(day) {
            usd("3")
        } else {
            usd("10") + Decimal::from(i % 3 - 1)
        };
        s.insert(day, v);
        day = day.succ_opt().unwrap();
        i += 1;
    }
    s.insert(d("2026-10-07"), usd("25"));
    let days: Vec<NaiveDate> = s.keys().copied().filter(|d| d.month() == 10).collect();
    let got = anomalous_days(&s, &days);
    assert_eq!(got.len(), 1, "{got:?}");
    let (day, x, med, score) = got[0];
    assert_eq!((day, x, med), (d("2026-10-07"), usd("25"), usd("10")));
    // MAD of the weekdays is $1 -> sigma 1.4826; (25 - 10) / 1.4826 = 10.1
    assert_eq!(score, usd("10.1"));
}

#[test]
fn forecast_runs_the_weekday_pattern_to_month_end() {
    // October to the 28th (a Wednesday): weekdays $10, weekends $2.
    let mut s: BTreeMap<NaiveDate, Decimal> = BTreeMap::new();
    let mut day = d("2026-10-01");
    while day <= d("2026-10-28") {
        s.insert(day, if weekend(day) { usd("2") } else { usd("10") });
        day = day.succ_opt().unwrap();
    }
    let f = forecast(&s, d("2026-10-28"), d("2026-10-31")).unwrap();
    // So far: 20 weekdays x 10 + 8 weekend days x 2 = 216; 29, 30 (Thu, Fri) x 10 and 31
    // (Sat) x 2 = 22 -> 238.
    assert_eq!(f.month_end_usd.0, usd("238"));
    assert_eq!(f.remaining_days, 3);
    assert!(forecast(&s, d("2026-10-31"), d("2026-10-31")).is_none());
}
