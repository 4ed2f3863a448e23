//! CloudWatch dashboards (and alarms) for a Bedrock workload: built from the model ids, regions,
//! an optional invocation-log group and budget; priced from the catalog; checked by `validate`
//! before anything is written or sent.
//!
//! The body follows the dashboard body structure (facts sheet, section D): widgets on a 24-column
//! grid, metric rows `[namespace, metric, dim, value, {options}]`, metric-math expressions over
//! ids defined in the same widget, log widgets whose query starts with `SOURCE '<group>'`.

mod alarms;
pub mod validate;

pub use alarms::{alarms, MAX_ALARM_METRICS};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{json, Value};

use crate::pricing::{Catalog, Resolver};

pub const NAMESPACE: &str = "AWS/Bedrock";

/// What to build the dashboard for.
#[derive(Debug, Clone)]
pub struct Spec {
    /// Model ids or profile ids as they appear in the metrics' ModelId dimension.
    pub models: Vec<String>,
    pub regions: Vec<String>,
    pub log_group: Option<String>,
    pub workload: Option<String>,
    /// Monthly budget in USD (alarm on the cost burn rate).
    pub budget: Option<Decimal>,
    /// The day the dashboard is generated (shown in the header).
    pub generated: NaiveDate,
}

/// Per-1M-token list prices a model's cost widgets are built from.
#[derive(Debug, Clone, PartialEq)]
pub struct Rates {
    pub input: Option<Decimal>,
    pub output: Option<Decimal>,
    pub cache_read: Option<Decimal>,
    pub cache_write: Option<Decimal>,
    pub as_of: NaiveDate,
}

/// A model in a region, with its prices (None: not in the catalog, so no cost widgets, said in
/// the header: never a $0 line).
#[derive(Debug, Clone)]
pub struct Priced {
    pub model_id: String,
    pub region: String,
    pub rates: Option<Rates>,
    pub unpriced_reason: Option<String>,
}

pub fn price(catalog: &Catalog, resolver: &Resolver, model_id: &str, region: &str) -> Priced {
    let res = resolver.resolve(model_id);
    let row =
        crate::pricing::cost::price_row(catalog, &res, region, chrono::Utc::now().date_naive());
    match row {
        Ok(row) => {
            let r = &row.standard;
            let d = |p: Option<crate::money::PricePerMillion>| p.map(|p| p.to_decimal());
            Priced {
                model_id: model_id.into(),
                region: region.into(),
                rates: Some(Rates {
                    input: d(r.input),
                    output: d(r.output),
                    cache_read: d(r.cache_read),
                    cache_write: d(r.cache_write_5m),
                    as_of: row.as_of,
                }),
                unpriced_reason: None,
            }
        }
        Err(reason) => Priced {
            model_id: model_id.into(),
            region: region.into(),
            rates: None,
            unpriced_reason: Some(reason),
        },
    }
}

/// Places widgets left to right on the 24-column grid, wrapping to a new row.
struct Grid {
    x: i64,
    y: i64,
    row_h: i64,
    widgets: Vec<Value>,
}

impl Grid {
    fn new() -> Grid {
        Grid {
            x: 0,
            y: 0,
            row_h: 0,
            widgets: vec![],
        }
    }

    fn place(&mut self, width: i64, height: i64, mut w: Value) {
        if self.x + width > 24 {
            self.new_row();
        }
        w["x"] = json!(self.x);
        w["y"] = json!(self.y);
        w["width"] = json!(width);
        w["height"] = json!(height);
        self.x += width;
        self.row_h = self.row_h.max(height);
        self.widgets.push(w);
    }

    fn new_row(&mut self) {
        if self.x > 0 {
            self.y += self.row_h;
            self.x = 0;
            self.row_h = 0;
        }
    }
}

fn metric(name: &str, model: Option<&str>, opts: Value) -> Value {
    match model {
        Some(m) => json!([NAMESPACE, name, "ModelId", m, opts]),
        None => json!([NAMESPACE, name, opts]),
    }
}

fn metric_widget(title: &str, region: &str, view: &str, stat: &str, metrics: Vec<Value>) -> Value {
    json!({
        "type": "metric",
        "properties": {
            "title": title,
            "region": region,
            "view": view,
            "stat": stat,
            "period": 300,
            "metrics": metrics,
        }
    })
}

/// A decimal as it reads in an expression (`3`, `0.3`, `3.75`).
fn num(d: Decimal) -> String {
    d.normalize().to_string()
}

/// Metric-math terms for a model's estimated cost in USD per period, over ids defined with
/// `suffix` (`in1`, `out1`, `cra1`/`crb1`, `cwa1`/`cwb1`). Cache tokens are published under two
/// spellings: the larger of the two is taken, so a model publishing both is not counted twice.
fn cost_expression(r: &Rates, suffix: &str) -> Option<String> {
    let mut terms = vec![];
    if let Some(p) = r.input {
        terms.push(format!("FILL(in{suffix},0)*{}", num(p)));
    }
    if let Some(p) = r.output {
        terms.push(format!("FILL(out{suffix},0)*{}", num(p)));
    }
    if let Some(p) = r.cache_read {
        terms.push(format!(
            "MAX([FILL(cra{suffix},0),FILL(crb{suffix},0)])*{}",
            num(p)
        ));
    }
    if let Some(p) = r.cache_write {
        terms.push(format!(
            "MAX([FILL(cwa{suffix},0),FILL(cwb{suffix},0)])*{}",
            num(p)
        ));
    }
    (!terms.is_empty()).then(|| format!("({})/1000000", terms.join("+")))
}

/// The token metrics a cost expression reads, and the id prefix each gets.
const COST_INPUTS: &[(&str, &str)] = &[
    ("InputTokenCount", "in"),
    ("OutputTokenCount", "out"),
    ("CacheReadInputTokenCount", "cra"),
    ("CacheReadInputTokens", "crb"),
    ("CacheWriteInputTokenCount", "cwa"),
    ("CacheWriteInputTokens", "cwb"),
];

/// The hidden token series a cost expression reads, for one model.
fn cost_inputs(model: &str, suffix: &str) -> Vec<Value> {
    COST_INPUTS
        .iter()
        .map(|(name, id)| {
            metric(
                name,
                Some(model),
                json!({"id": format!("{id}{suffix}"), "visible": false, "stat": "Sum"}),
            )
        })
        .collect()
}

/// One per-model graph: width, title after the model id, widget statistic, period when not 5
/// minutes, and its series (metric, id, statistic, label).
struct Panel {
    width: i64,
    title: &'static str,
    stat: &'static str,
    period: Option<u32>,
    series: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

/// The per-model graphs, left to right then top to bottom.
const PANELS: &[Panel] = &[
    Panel {
        width: 6,
        title: "requests, errors, throttles",
        stat: "Sum",
        period: None,
        series: &[
            ("Invocations", "inv", "Sum", "Invocations"),
            (
                "InvocationClientErrors",
                "cerr",
                "Sum",
                "Client errors (4xx)",
            ),
            (
                "InvocationServerErrors",
                "serr",
                "Sum",
                "Server errors (5xx)",
            ),
            ("InvocationThrottles", "thr", "Sum", "Throttled"),
        ],
    },
    Panel {
        width: 6,
        title: "tokens in and out",
        stat: "Sum",
        period: None,
        series: &[
            ("InputTokenCount", "tin", "Sum", "Input tokens"),
            ("OutputTokenCount", "tout", "Sum", "Output tokens"),
        ],
    },
    Panel {
        width: 6,
        title: "prompt-cache tokens read and written",
        stat: "Sum",
        period: None,
        series: &[
            ("CacheReadInputTokenCount", "cra", "Sum", "Cache read"),
            (
                "CacheReadInputTokens",
                "crb",
                "Sum",
                "Cache read (other name)",
            ),
            ("CacheWriteInputTokenCount", "cwa", "Sum", "Cache write"),
            (
                "CacheWriteInputTokens",
                "cwb",
                "Sum",
                "Cache write (other name)",
            ),
        ],
    },
    Panel {
        width: 6,
        title: "latency and time to first token (ms)",
        stat: "p50",
        period: None,
        series: &[
            ("InvocationLatency", "l50", "p50", "Latency p50"),
            ("InvocationLatency", "l90", "p90", "Latency p90"),
            ("InvocationLatency", "l99", "p99", "Latency p99"),
            ("TimeToFirstToken", "f50", "p50", "First token p50"),
            ("TimeToFirstToken", "f90", "p90", "First token p90"),
        ],
    },
    Panel {
        width: 12,
        title: "tokens counted against the tokens-per-minute quota, per minute",
        stat: "Sum",
        period: Some(60),
        series: &[(
            "EstimatedTPMQuotaUsage",
            "tpm",
            "Sum",
            "Quota tokens per minute",
        )],
    },
];

/// `text` as a Markdown code span: fenced with more backticks than it holds in a row, so a
/// backtick in a model id cannot end the span (or start one).
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if longest > 0 { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// The dashboard body.
pub fn build(spec: &Spec, priced: &[Priced]) -> Value {
    let mut g = Grid::new();
    g.place(
        24,
        4,
        json!({"type": "text", "properties": {"markdown": header(spec, priced)}}),
    );
    g.new_row();
    for region in &spec.regions {
        region_row(&mut g, region, priced);
    }
    for (i, p) in priced.iter().enumerate() {
        model_rows(&mut g, i, p);
    }
    if let Some(group) = &spec.log_group {
        log_row(&mut g, group, &spec.regions[0]);
    }
    json!({"start": "-P7D", "periodOverride": "inherit", "widgets": g.widgets})
}

/// The header's text: models, regions, how cost is estimated, what is not priced.
fn header(spec: &Spec, priced: &[Priced]) -> String {
    let title = spec
        .workload
        .as_deref()
        .unwrap_or("Amazon Bedrock workload");
    let as_of = priced
        .iter()
        .filter_map(|p| p.rates.as_ref().map(|r| r.as_of))
        .min();
    let unpriced: Vec<String> = priced
        .iter()
        .filter(|p| p.rates.is_none())
        .map(|p| format!("{} in {}", code(&p.model_id), p.region))
        .collect();
    let mut header = format!(
        "# {title}: usage, latency and estimated cost\n\
         Models: {}. Regions: {}. Generated {} by bedrock-lens{}.\n\n\
         **Estimated cost** = token metrics x list prices per 1M tokens (on-demand, standard tier, \
         5-minute cache writes) from the price catalog{}. It is an estimate: batch, provisioned \
         throughput, discounts and credits are not in it; the bill (Cost Explorer) is the reference.",
        spec.models
            .iter()
            .map(|m| code(m))
            .collect::<Vec<_>>()
            .join(", "),
        spec.regions.join(", "),
        spec.generated,
        spec.budget
            .map(|b| format!("; monthly budget ${}", num(b)))
            .unwrap_or_default(),
        as_of
            .map(|d| format!(" as of {d}"))
            .unwrap_or_default(),
    );
    if !unpriced.is_empty() {
        header.push_str(&format!(
            "\n\n**Not priced** (not in the catalog; no cost shown rather than $0): {}.",
            unpriced.join(", ")
        ));
    }
    header
}

/// Account-wide totals in a region (the metrics without a ModelId dimension) and the
/// estimated cost of its priced models.
fn region_row(g: &mut Grid, region: &str, priced: &[Priced]) {
    let id = |i: &str| json!({"id": i, "stat": "Sum"});
    g.place(
        12,
        6,
        metric_widget(
            &format!("All models in {region}: invocations, errors and throttles (account-wide)"),
            region,
            "timeSeries",
            "Sum",
            vec![
                metric("Invocations", None, id("inv")),
                metric("InvocationClientErrors", None, id("cerr")),
                metric("InvocationServerErrors", None, id("serr")),
                metric("InvocationThrottles", None, id("thr")),
            ],
        ),
    );
    let mut costs: Vec<Value> = vec![];
    let mut parts = vec![];
    for (i, p) in priced
        .iter()
        .enumerate()
        .filter(|(_, p)| p.region == *region)
    {
        if let Some(e) = p
            .rates
            .as_ref()
            .and_then(|r| cost_expression(r, &i.to_string()))
        {
            costs.extend(cost_inputs(&p.model_id, &i.to_string()));
            costs.push(json!([{"id": format!("c{i}"), "expression": e, "visible": false}]));
            parts.push(format!("c{i}"));
        }
    }
    if !parts.is_empty() {
        let total = if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("SUM([{}])", parts.join(","))
        };
        // Month to date: daily totals over the last 31 days (the widget's own range), summed
        // from the first day of the latest day's month. `last` is that day's day of month;
        // a day is in the month when it lies less than `last` days before the latest one.
        let mut series = costs.clone();
        series.push(json!([{"id": "day", "expression": total.clone(), "visible": false}]));
        series.push(json!([{"id": "last", "expression": "MAX(IF(EPOCH(day) == MAX(EPOCH(day)), DAY(day), 0))", "visible": false}]));
        series.push(json!([{"id": "mtd", "expression": "RUNNING_SUM(IF(MAX(EPOCH(day)) - EPOCH(day) < last*86400, day, 0))", "label": "Estimated cost this month so far (USD)"}]));
        let mut w = metric_widget(
            &format!("Estimated cost (USD) of these models in {region}, month to date"),
            region,
            "singleValue",
            "Sum",
            series,
        );
        w["properties"]["period"] = json!(86400);
        w["properties"]["start"] = json!("-P31D");
        g.place(6, 6, w);
        let mut series = costs;
        series.push(
            json!([{"id": "total", "expression": total, "label": "Estimated cost per hour (USD)"}]),
        );
        let mut w = metric_widget(
            &format!("Estimated cost per hour (USD) in {region}"),
            region,
            "timeSeries",
            "Sum",
            series,
        );
        w["properties"]["period"] = json!(3600);
        g.place(6, 6, w);
    }
    g.new_row();
}

/// One model in one region: a heading, its panels and its estimated cost.
fn model_rows(g: &mut Grid, i: usize, p: &Priced) {
    let (m, region) = (p.model_id.as_str(), p.region.as_str());
    let sfx = i.to_string();
    let s = |id: &str, stat: &str, label: &str| json!({"id": id, "stat": stat, "label": label});
    g.place(
        24,
        1,
        json!({"type": "text", "properties": {"markdown": format!("## {} in {region}", code(m))}}),
    );
    g.new_row();
    for panel in PANELS {
        let series = panel
            .series
            .iter()
            .map(|(name, id, stat, label)| metric(name, Some(m), s(id, stat, label)))
            .collect();
        let mut w = metric_widget(
            &format!("{m}: {}", panel.title),
            region,
            "timeSeries",
            panel.stat,
            series,
        );
        if let Some(period) = panel.period {
            w["properties"]["period"] = json!(period);
        }
        g.place(panel.width, 6, w);
    }
    if let Some(e) = p.rates.as_ref().and_then(|r| cost_expression(r, &sfx)) {
        let mut series = cost_inputs(m, &sfx);
        series.push(
            json!([{"id": format!("c{sfx}"), "expression": e, "label": "Estimated cost (USD)"}]),
        );
        let mut w = metric_widget(
            &format!("{m}: estimated cost per hour (USD, list prices)"),
            region,
            "timeSeries",
            "Sum",
            series,
        );
        w["properties"]["period"] = json!(3600);
        g.place(12, 6, w);
    } else {
        g.place(
            12,
            6,
            json!({"type": "text", "properties": {"markdown": format!(
                "**No cost estimate for `{m}`**: {}. Add its prices with `--pricing FILE`.",
                p.unpriced_reason.as_deref().unwrap_or("not priced")
            )}}),
        );
    }
    g.new_row();
}

/// Logs Insights tables over the invocation-log group (sizes and ids, never prompt text).
fn log_row(g: &mut Grid, group: &str, region: &str) {
    let log = |title: &str, query: String| {
        json!({"type": "log", "properties": {
            "title": title, "region": region, "view": "table", "query": query}})
    };
    g.place(
        12,
        8,
        log(
            "Top identities by tokens (invocation logs)",
            format!(
                "SOURCE '{group}' | filter schemaType = \"ModelInvocationLog\" \
                 | stats sum(input.inputTokenCount) as input_tokens, sum(output.outputTokenCount) as output_tokens, \
                 count(*) as requests by identity.arn | sort input_tokens desc | limit 20"
            ),
        ),
    );
    // Sizes and ids only: never the prompt or response text.
    g.place(
        12,
        8,
        log(
            "Largest requests by input tokens (no prompt text)",
            format!(
                "SOURCE '{group}' | filter schemaType = \"ModelInvocationLog\" \
                 | stats max(input.inputTokenCount) as input_tokens, max(output.outputTokenCount) as output_tokens, \
                 max(@timestamp) as at by requestId, modelId, identity.arn | sort input_tokens desc | limit 20"
            ),
        ),
    );
}

/// A CloudFormation template: the dashboard and (optionally) the alarms.
pub fn cloudformation(name: &str, body: &Value, alarms: &[Value]) -> Value {
    let mut resources = serde_json::Map::new();
    resources.insert(
        "Dashboard".into(),
        json!({"Type": "AWS::CloudWatch::Dashboard", "Properties": {
            "DashboardName": name,
            "DashboardBody": body.to_string()}}),
    );
    for (i, a) in alarms.iter().enumerate() {
        let mut props = a.clone();
        if let Some(o) = props.as_object_mut() {
            o.remove("Region");
        }
        resources.insert(
            format!("Alarm{}", i + 1),
            json!({"Type": "AWS::CloudWatch::Alarm", "Properties": props}),
        );
    }
    json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": format!("CloudWatch dashboard{} for Bedrock workload {name} (generated by bedrock-lens)",
            if alarms.is_empty() { "" } else { " and alarms" }),
        "Resources": resources
    })
}
