//! Checks a dashboard body before it is written or sent: grid bounds and overlaps, widget and
//! metric counts, metric-math ids and the ids expressions use, regions, log queries, and the
//! dashboard name. Each problem names the widget (its index and title) and the field; text from
//! the body is shown cleaned and cut short, and past [`MAX_PROBLEMS`] problems are only counted.

use std::collections::HashSet;

use serde_json::Value;

use crate::io::clean;

/// Widgets per dashboard (facts sheet, section D).
pub const MAX_WIDGETS: usize = 500;
/// Metrics (rows) per metric widget.
pub const MAX_METRICS_PER_WIDGET: usize = 500;
/// Metrics (rows, hidden ones included) per dashboard.
pub const MAX_METRICS_PER_DASHBOARD: usize = 2500;
/// Problems said in full; the rest are counted in one last line.
pub const MAX_PROBLEMS: usize = 50;

/// Text from the body in a message: cleaned and cut after 80 characters (a message repeats its
/// widget's title, and one string of a hand-written body can be megabytes long).
fn shown(s: &str) -> String {
    const MAX: usize = 80;
    let mut chars = s.chars();
    let head: String = chars.by_ref().take(MAX).collect();
    let more = if chars.next().is_some() { "..." } else { "" };
    format!("{}{more}", clean(&head))
}

/// A log group name: 1-512 of letters, digits, `.`, `-`, `_`, `/`, `#`.
pub fn check_log_group(name: &str) -> Result<(), String> {
    check_text(
        "log group name",
        name,
        512,
        "._-/#",
        "letters, digits and . _ - / # are allowed",
    )
}

/// A dashboard name: 1-255 characters of A-Z, a-z, 0-9, `-` and `_`.
pub fn check_name(name: &str) -> Result<(), String> {
    check_text(
        "dashboard name",
        name,
        255,
        "-_",
        "letters, digits, `-` and `_` are allowed",
    )
}

/// `name` (a `what`) is 1 to `max` characters of ASCII letters, digits and `extra`.
fn check_text(
    what: &str,
    name: &str,
    max: usize,
    extra: &str,
    allowed: &str,
) -> Result<(), String> {
    if name.is_empty() || name.len() > max {
        return Err(format!(
            "{what} is {} characters long (1 to {max})",
            name.len()
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || extra.contains(*c)))
    {
        return Err(format!(
            "{what} contains `{}`: only {allowed}",
            c.escape_default()
        ));
    }
    Ok(())
}

/// Metric-math id: starts with a lowercase letter; letters, digits and `_` after it.
fn valid_id(id: &str) -> bool {
    let mut c = id.chars();
    c.next().is_some_and(|f| f.is_ascii_lowercase())
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// Identifiers an expression refers to: words starting with a lowercase letter (functions
/// such as `SUM`, `FILL`, `MAX` are upper case; string literals are skipped).
fn referenced_ids(expr: &str) -> Vec<String> {
    let mut out = vec![];
    let mut chars = expr.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch == '"' || ch == '\'' {
            for c in chars.by_ref() {
                if c == ch {
                    break;
                }
            }
        } else if ch.is_ascii_alphabetic() || ch == '_' {
            let mut word = ch.to_string();
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    word.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            if ch.is_ascii_lowercase() {
                out.push(word);
            }
        } else if ch.is_ascii_digit() {
            // A number such as 1e6 is not an id.
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphanumeric() || c == '.' {
                    chars.next();
                } else {
                    break;
                }
            }
        }
    }
    out
}

/// `overlaps widget 3`, or `overlaps 12 widgets: 0, 1, ... and 2 more` (each widget's
/// overlaps said once, at most ten named).
fn overlaps(with: &[usize]) -> Option<String> {
    const NAMED: usize = 10;
    match with {
        [] => None,
        [j] => Some(format!("overlaps widget {j}")),
        _ => {
            let named: Vec<String> = with.iter().take(NAMED).map(|j| j.to_string()).collect();
            let more = match with.len().saturating_sub(NAMED) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            Some(format!(
                "overlaps {} widgets: {}{more}",
                with.len(),
                named.join(", ")
            ))
        }
    }
}

/// Every problem found (empty: valid), at most [`MAX_PROBLEMS`] of them in full.
pub fn check(body: &Value) -> Vec<String> {
    let p = problems(body);
    let mut errs = p.shown;
    if p.total > MAX_PROBLEMS {
        errs.push(format!(
            "body: {} more problems not shown (fix those above and check again)",
            p.total - MAX_PROBLEMS
        ));
    }
    errs
}

/// Problems as they are found: all counted, the first [`MAX_PROBLEMS`] worded (a message is
/// built only when it will be shown, so a body with millions of problems stays fast).
#[derive(Default)]
struct Problems {
    shown: Vec<String>,
    total: usize,
}

impl Problems {
    fn add(&mut self, message: impl FnOnce() -> String) {
        self.total += 1;
        if self.shown.len() < MAX_PROBLEMS {
            self.shown.push(message());
        }
    }

    fn one(message: String) -> Problems {
        Problems {
            shown: vec![message],
            total: 1,
        }
    }
}

fn problems(body: &Value) -> Problems {
    let mut errs = Problems::default();
    let Some(widgets) = body.get("widgets").and_then(Value::as_array) else {
        return Problems::one("body: `widgets` is missing or not an array".into());
    };
    if widgets.len() > MAX_WIDGETS {
        // Counts first: a body this large is refused whole, without a report per widget (the
        // overlap check compares widgets pairwise).
        return Problems::one(format!(
            "body: {} widgets (at most {MAX_WIDGETS})",
            widgets.len()
        ));
    }
    let total_metrics: usize = widgets
        .iter()
        .filter_map(|w| w["properties"]["metrics"].as_array())
        .map(Vec::len)
        .sum();
    if total_metrics > MAX_METRICS_PER_DASHBOARD {
        errs.add(|| format!(
            "body: {total_metrics} metrics in all (at most {MAX_METRICS_PER_DASHBOARD}, hidden ones included)"
        ));
    }
    let mut cells: Vec<(usize, i128, i128, i128, i128)> = vec![];
    for (i, w) in widgets.iter().enumerate() {
        let title = w["properties"]["title"]
            .as_str()
            .map(|t| format!(" \"{}\"", shown(t)))
            .unwrap_or_default();
        let at = |field: &str| format!("widget {i}{title}: {field}");
        let int = |k: &str| w.get(k).and_then(Value::as_i64);
        let (x, y, wd, h) = (int("x"), int("y"), int("width"), int("height"));
        match (x, y, wd, h) {
            (Some(x), Some(y), Some(wd), Some(h)) => {
                if !(0..=23).contains(&x) {
                    errs.add(|| format!("{}: {x} is outside 0..23", at("x")));
                }
                if y < 0 {
                    errs.add(|| format!("{}: {y} is negative", at("y")));
                }
                if !(1..=24).contains(&wd) {
                    errs.add(|| format!("{}: {wd} is outside 1..24", at("width")));
                }
                if !(1..=1000).contains(&h) {
                    errs.add(|| format!("{}: {h} is outside 1..1000", at("height")));
                }
                // i128: no sum of two i64 overflows.
                let (x, y, wd, h) = (x as i128, y as i128, wd as i128, h as i128);
                if x + wd > 24 {
                    errs.add(|| {
                        format!(
                            "{}: x {x} + width {wd} passes the 24-column grid",
                            at("width")
                        )
                    });
                }
                let over: Vec<usize> = cells
                    .iter()
                    .filter(|&&(_, ox, oy, ow, oh)| {
                        x < ox + ow && ox < x + wd && y < oy + oh && oy < y + h
                    })
                    .map(|c| c.0)
                    .collect();
                if let Some(e) = overlaps(&over) {
                    errs.add(|| format!("{}: {e}", at("x/y")));
                }
                cells.push((i, x, y, wd, h));
            }
            _ => errs.add(|| {
                format!(
                    "{}: x, y, width and height must all be integers",
                    at("position")
                )
            }),
        }
        let props = &w["properties"];
        match w["type"].as_str() {
            Some("text") => {
                if props["markdown"].as_str().is_none() {
                    errs.add(|| format!("{}: missing", at("properties.markdown")));
                }
            }
            Some("metric") => check_metric(props, &at, &mut errs),
            Some("log") => {
                if props["region"].as_str().is_none_or(str::is_empty) {
                    errs.add(|| format!("{}: missing", at("properties.region")));
                }
                if !props["query"]
                    .as_str()
                    .is_some_and(|q| q.trim_start().starts_with("SOURCE '"))
                {
                    errs.add(|| {
                        format!(
                            "{}: must start with SOURCE '<log group>'",
                            at("properties.query")
                        )
                    });
                }
            }
            Some("alarm") | Some("explorer") => {}
            other => errs.add(|| {
                format!(
                    "{}: `{}` is not metric, text, log, alarm or explorer",
                    at("type"),
                    other.map_or("(missing)".into(), shown)
                )
            }),
        }
    }
    errs
}

fn check_metric(props: &Value, at: &dyn Fn(&str) -> String, errs: &mut Problems) {
    if props["region"].as_str().is_none_or(str::is_empty) {
        errs.add(|| format!("{}: missing", at("properties.region")));
    }
    if let Some(p) = props.get("period").and_then(Value::as_i64) {
        if p <= 0 || p % 60 != 0 {
            errs.add(|| format!("{}: {p} is not a multiple of 60", at("properties.period")));
        }
    }
    let Some(rows) = props["metrics"].as_array() else {
        errs.add(|| format!("{}: missing or not an array", at("properties.metrics")));
        return;
    };
    if rows.is_empty() {
        errs.add(|| format!("{}: empty", at("properties.metrics")));
    }
    if rows.len() > MAX_METRICS_PER_WIDGET {
        errs.add(|| {
            format!(
                "{}: {} metrics (at most {MAX_METRICS_PER_WIDGET})",
                at("properties.metrics"),
                rows.len()
            )
        });
    }
    let mut ids: HashSet<String> = HashSet::new();
    let mut expressions: Vec<(usize, String)> = vec![];
    for (k, row) in rows.iter().enumerate() {
        let field = format!("properties.metrics[{k}]");
        let Some(items) = row.as_array() else {
            errs.add(|| format!("{}: not an array", at(&field)));
            continue;
        };
        let opts = items.last().filter(|v| v.is_object());
        let strings = items.iter().take_while(|v| v.is_string()).count();
        let is_expr = opts.is_some_and(|o| o.get("expression").is_some());
        if !is_expr && strings < 2 {
            errs.add(|| {
                format!(
                    "{}: needs at least a namespace and a metric name",
                    at(&field)
                )
            });
        }
        if !is_expr && strings % 2 != 0 {
            errs.add(|| {
                format!(
                    "{}: dimension names and values must come in pairs",
                    at(&field)
                )
            });
        }
        if let Some(o) = opts {
            if let Some(id) = o.get("id").and_then(Value::as_str) {
                if !valid_id(id) {
                    errs.add(|| format!(
                        "{}: id `{}` must start with a lowercase letter and hold only letters, digits and _",
                        at(&field),
                        shown(id)
                    ));
                }
                if !ids.insert(id.to_string()) {
                    errs.add(|| format!("{}: id `{}` is used twice", at(&field), shown(id)));
                }
            } else if is_expr {
                errs.add(|| format!("{}: an expression needs an id", at(&field)));
            }
            if let Some(e) = o.get("expression").and_then(Value::as_str) {
                expressions.push((k, e.to_string()));
            }
        }
    }
    for (k, e) in expressions {
        for r in referenced_ids(&e) {
            if !ids.contains(&r) {
                errs.add(|| {
                    format!(
                        "{}: expression refers to `{}`, which no metric in this widget defines",
                        at(&format!("properties.metrics[{k}]")),
                        shown(&r)
                    )
                });
            }
        }
    }
}

/// Checks a PutMetricAlarm input: at most 10 metrics, exactly one returned, valid and unique
/// ids, expressions referring only to defined ids.
pub fn check_alarm(alarm: &Value) -> Vec<String> {
    let name = alarm["AlarmName"].as_str().unwrap_or("(no name)");
    let at = |f: &str| format!("alarm {name}: {f}");
    let mut errs = vec![];
    let Some(metrics) = alarm["Metrics"].as_array() else {
        return vec![at("Metrics: missing")];
    };
    if metrics.len() > crate::render::dashboard::MAX_ALARM_METRICS {
        errs.push(format!(
            "{}: {} metrics (at most {})",
            at("Metrics"),
            metrics.len(),
            crate::render::dashboard::MAX_ALARM_METRICS
        ));
    }
    let returned = metrics
        .iter()
        .filter(|m| m["ReturnData"] == Value::Bool(true))
        .count();
    if returned != 1 {
        errs.push(format!(
            "{}: {returned} metrics return data (exactly one must)",
            at("Metrics")
        ));
    }
    let mut ids = HashSet::new();
    for (k, m) in metrics.iter().enumerate() {
        match m["Id"].as_str() {
            Some(id) if valid_id(id) => {
                if !ids.insert(id.to_string()) {
                    errs.push(format!(
                        "{}: id `{id}` is used twice",
                        at(&format!("Metrics[{k}]"))
                    ));
                }
            }
            other => errs.push(format!(
                "{}: id `{}` must start with a lowercase letter",
                at(&format!("Metrics[{k}]")),
                other.unwrap_or("")
            )),
        }
    }
    for (k, m) in metrics.iter().enumerate() {
        if let Some(e) = m["Expression"].as_str() {
            for r in referenced_ids(e) {
                if !ids.contains(&r) {
                    errs.push(format!(
                        "{}: expression refers to `{r}`, which no metric of this alarm defines",
                        at(&format!("Metrics[{k}]"))
                    ));
                }
            }
        }
    }
    errs
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
