//! `collect` summaries on stdout: what each source brought back, per model or usage type.

use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::Grid;
use crate::collect::cloudwatch_logs::{field, parse_count, Row, AGG_FIELDS};
use crate::collect::cloudwatch_metrics::Point;
use crate::collect::cost_explorer::usage_type::{kind_name, mode_name, UsageType};
use crate::collect::cost_explorer::CostRow;
use crate::collect::inference_profiles::AppProfile;
use crate::money::{decimal_thousands, group_thousands, usd_exact};

const SUMMED: &[(&str, &str)] = &[
    ("Invocations", "Invocations"),
    ("InputTokenCount", "Input tokens"),
    ("OutputTokenCount", "Output tokens"),
    ("CacheReadInputTokenCount", "Cache read"),
    ("CacheWriteInputTokenCount", "Cache write"),
    ("InvocationThrottles", "Throttles"),
];

/// The other spelling of a cache-token metric (both are seen; a model publishing both must not
/// count twice).
const ALIASES: &[(&str, &str)] = &[
    ("CacheReadInputTokens", "CacheReadInputTokenCount"),
    ("CacheWriteInputTokens", "CacheWriteInputTokenCount"),
];

/// CloudWatch sums per region and model id.
pub fn metrics_summary(points: &[Point]) -> String {
    // Sums are exact: CloudWatch counts are whole numbers well inside f64's exact range.
    // Per (region, model): one column per summed metric, the alias spellings apart.
    let mut rows: BTreeMap<(Arc<str>, Arc<str>), [f64; 8]> = BTreeMap::new();
    for p in points.iter().filter(|p| p.stat == "Sum") {
        let i = SUMMED.iter().position(|(m, _)| *m == p.metric).or_else(|| {
            ALIASES
                .iter()
                .position(|(m, _)| *m == p.metric)
                .map(|k| 6 + k)
        });
        if let Some(i) = i {
            rows.entry((p.region.clone(), p.model_id.clone()))
                .or_default()[i] += p.value;
        }
    }
    if rows.is_empty() {
        return "No AWS/Bedrock datapoints in this period.\n".into();
    }
    let mut header = vec!["Region".to_string(), "Model id".to_string()];
    header.extend(SUMMED.iter().map(|(_, h)| h.to_string()));
    let mut total = [0f64; 6];
    let mut out_rows: Vec<Vec<String>> = rows
        .iter()
        .map(|((r, m), v)| {
            let mut v6 = [v[0], v[1], v[2], v[3], v[4], v[5]];
            // Whichever spelling the model publishes (the larger, if both).
            v6[3] = v6[3].max(v[6]);
            v6[4] = v6[4].max(v[7]);
            for (t, x) in total.iter_mut().zip(v6) {
                *t += x;
            }
            let mut row = vec![r.to_string(), m.to_string()];
            row.extend(v6.iter().map(|x| group_thousands(*x as u64)));
            row
        })
        .collect();
    let mut t = vec!["Total".to_string(), String::new()];
    t.extend(total.iter().map(|x| group_thousands(*x as u64)));
    out_rows.push(t);
    Grid {
        header,
        rows: out_rows,
        first_numeric: 2,
    }
    .render(false)
}

/// Logs Insights sums per model id.
pub fn insights_summary(rows: &[(String, Row)]) -> String {
    let mut totals: BTreeMap<String, [u64; 5]> = BTreeMap::new();
    for (_, r) in rows {
        let t = totals.entry(field(r, "modelId")).or_default();
        for (i, f) in AGG_FIELDS[3..].iter().enumerate() {
            t[i] += parse_count(&field(r, f));
        }
    }
    let mut grid_rows: Vec<Vec<String>> = totals
        .iter()
        .map(|(m, v)| {
            let mut row = vec![m.clone()];
            row.extend(v.iter().map(group_thousands));
            row
        })
        .collect();
    if grid_rows.is_empty() {
        grid_rows.push(vec![
            "(no records)".into(),
            "0".into(),
            "0".into(),
            "0".into(),
            "0".into(),
            "0".into(),
        ]);
    }
    Grid {
        header: [
            "Model id",
            "Invocations",
            "Input tokens",
            "Output tokens",
            "Cache read",
            "Cache write",
        ]
        .map(String::from)
        .to_vec(),
        rows: grid_rows,
        first_numeric: 1,
    }
    .render(false)
}

/// Cost Explorer cost per service and usage type, exact.
pub fn costs_summary(rows: &[CostRow], services: &[String]) -> String {
    if rows.is_empty() {
        return format!(
            "No Bedrock cost in this period (services read: {}).\n",
            if services.is_empty() {
                "none found".to_string()
            } else {
                services.join(", ")
            }
        );
    }
    let mut by: BTreeMap<(String, String), (Decimal, Decimal, Option<UsageType>)> = BTreeMap::new();
    for r in rows {
        let e = by
            .entry((r.service.clone(), r.usage_type.clone()))
            .or_insert((Decimal::ZERO, Decimal::ZERO, r.parsed.clone()));
        e.0 += r.cost;
        e.1 += r.quantity;
    }
    let mut total = Decimal::ZERO;
    let mut grid: Vec<Vec<String>> = by
        .iter()
        .map(|((svc, ut), (cost, q, p))| {
            total += *cost;
            vec![
                svc.clone(),
                ut.clone(),
                p.as_ref()
                    .and_then(|p| p.region.clone())
                    .unwrap_or_default(),
                p.as_ref().and_then(|p| p.model.clone()).unwrap_or_default(),
                p.as_ref()
                    .map(kind_name)
                    .unwrap_or_else(|| "(unparsed)".into()),
                p.as_ref().map(mode_name).unwrap_or_default(),
                decimal_thousands(*q),
                usd_exact(*cost),
            ]
        })
        .collect();
    grid.push(vec![
        "Total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        usd_exact(total),
    ]);
    Grid {
        header: [
            "Service",
            "Usage type",
            "Region",
            "Model",
            "Kind",
            "Mode",
            "Quantity",
            "Cost",
        ]
        .map(String::from)
        .to_vec(),
        rows: grid,
        first_numeric: 6,
    }
    .render(false)
}

/// The application inference profiles listed.
pub fn profiles_summary(all: &[AppProfile]) -> String {
    let rows: Vec<Vec<String>> = all
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.arn.clone(),
                p.routes_to().unwrap_or_default(),
                p.tags
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    if rows.is_empty() {
        "No application inference profiles.\n".into()
    } else {
        Grid {
            header: ["Name", "ARN", "Routes to", "Tags"]
                .map(String::from)
                .to_vec(),
            rows,
            first_numeric: 4,
        }
        .render(false)
    }
}
