//! Alarms for a workload, as PutMetricAlarm inputs: throttle rate and error rate per region
//! (account-wide metrics), and the cost burn rate against the monthly budget.

use rust_decimal::Decimal;
use serde_json::{json, Value};

use super::{num, Priced, Rates, Spec, NAMESPACE};

/// Metrics (series and expressions) one PutMetricAlarm takes.
pub const MAX_ALARM_METRICS: usize = 10;

/// An alarm on a percentage over 15 minutes (3 x 5-minute periods above 5%): `metrics` feed
/// the `(label, expression)` that is the alarm's value.
fn rate_alarm(
    name: &str,
    description: &str,
    region: &str,
    mut metrics: Vec<Value>,
    (label, expression): (&str, &str),
) -> Value {
    metrics
        .push(json!({"Id": "rate", "Label": label, "ReturnData": true, "Expression": expression}));
    json!({
        "AlarmName": name,
        "AlarmDescription": description,
        "Region": region,
        "ComparisonOperator": "GreaterThanThreshold",
        "Threshold": 5,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 3,
        "TreatMissingData": "notBreaching",
        "Metrics": metrics
    })
}

/// A model's hourly sum of `metric_name`, as an alarm input (not returned).
fn hourly_sum(id: &str, metric_name: &str, model_id: &str) -> Value {
    json!({
        "Id": id, "ReturnData": false,
        "MetricStat": {"Metric": {"Namespace": NAMESPACE, "MetricName": metric_name,
            "Dimensions": [{"Name": "ModelId", "Value": model_id}]},
            "Period": 3600, "Stat": "Sum"}})
}

/// The alarms: throttle rate and error rate per region (account-wide metrics), and the cost burn
/// rate against the monthly budget (when given). PutMetricAlarm inputs, as JSON, and warnings for
/// alarms that could not be built.
pub fn alarms(spec: &Spec, priced: &[Priced], name: &str) -> (Vec<Value>, Vec<String>) {
    let mut out = vec![];
    let mut warnings = vec![];
    for region in &spec.regions {
        let m = |id: &str, metric_name: &str| {
            json!({"Id": id, "ReturnData": false, "MetricStat": {
                "Metric": {"Namespace": NAMESPACE, "MetricName": metric_name},
                "Period": 300, "Stat": "Sum"}})
        };
        out.push(rate_alarm(
            &format!("{name}-{region}-throttle-rate"),
            &format!("More than 5% of Bedrock requests in {region} throttled over 15 minutes (bedrock-lens)."),
            region,
            vec![m("thr", "InvocationThrottles"), m("inv", "Invocations")],
            ("Throttled requests (%)", "IF(FILL(inv,0)+FILL(thr,0) > 0, 100*FILL(thr,0)/(FILL(inv,0)+FILL(thr,0)), 0)"),
        ));
        out.push(rate_alarm(
            &format!("{name}-{region}-error-rate"),
            &format!("More than 5% of Bedrock requests in {region} failed (4xx or 5xx) over 15 minutes (bedrock-lens)."),
            region,
            vec![
                m("cerr", "InvocationClientErrors"),
                m("serr", "InvocationServerErrors"),
                m("inv", "Invocations"),
            ],
            ("Failed requests (%)", "IF(FILL(inv,0) > 0, 100*(FILL(cerr,0)+FILL(serr,0))/FILL(inv,0), 0)"),
        ));
        if let Some(budget) = spec.budget {
            let models: Vec<(usize, &Priced, &Rates)> = priced
                .iter()
                .enumerate()
                .filter(|(_, p)| p.region == *region)
                .filter_map(|(i, p)| p.rates.as_ref().map(|r| (i, p, r)))
                .collect();
            // PutMetricAlarm takes at most 10 metrics (series and expressions together).
            let n = models.len();
            if n == 0 {
                continue;
            }
            if 2 * n + 1 > MAX_ALARM_METRICS {
                warnings.push(format!(
                    "no cost burn-rate alarm in {region}: {n} priced models need {} metrics and an alarm takes {MAX_ALARM_METRICS}; use one dashboard (and alarm) per workload of at most 4 models",
                    2 * n + 1
                ));
                continue;
            }
            // One model: every token kind, both cache spellings (7 metrics). Several: input and
            // output only (the cache spellings would pass the limit), said in the description.
            let with_cache = n == 1;
            if !with_cache {
                warnings.push(format!(
                    "the cost burn-rate alarm in {region} counts input and output tokens only ({n} models; an alarm takes at most {MAX_ALARM_METRICS} metrics)"
                ));
            }
            let mut metrics: Vec<Value> = vec![];
            let mut terms: Vec<String> = vec![];
            for (i, p, r) in models {
                let mut add = |id: String, metric_name: &str, price: Option<Decimal>| {
                    if let Some(price) = price {
                        metrics.push(hourly_sum(&id, metric_name, &p.model_id));
                        terms.push(format!("FILL({id},0)*{}", num(price)));
                    }
                };
                add(format!("in{i}"), "InputTokenCount", r.input);
                add(format!("out{i}"), "OutputTokenCount", r.output);
                if with_cache {
                    for (id, a, b, price) in [
                        (
                            "cr",
                            "CacheReadInputTokenCount",
                            "CacheReadInputTokens",
                            r.cache_read,
                        ),
                        (
                            "cw",
                            "CacheWriteInputTokenCount",
                            "CacheWriteInputTokens",
                            r.cache_write,
                        ),
                    ] {
                        let Some(price) = price else { continue };
                        let ids = [format!("{id}a{i}"), format!("{id}b{i}")];
                        for (id, metric_name) in ids.iter().zip([a, b]) {
                            metrics.push(hourly_sum(id, metric_name, &p.model_id));
                        }
                        terms.push(format!(
                            "MAX([FILL({},0),FILL({},0)])*{}",
                            ids[0],
                            ids[1],
                            num(price)
                        ));
                    }
                }
            }
            metrics.push(json!({
                "Id": "burn", "Label": "Estimated cost per month at this hour's rate (USD)",
                "ReturnData": true,
                "Expression": format!("({})*730/1000000", terms.join("+"))}));
            out.push(json!({
                "AlarmName": format!("{name}-{region}-cost-burn-rate"),
                "AlarmDescription": format!(
                    "Estimated Bedrock spend in {region} (token metrics x list prices{}) running above the monthly budget of ${} for 3 hours (bedrock-lens; an estimate, not the bill).",
                    if with_cache { "" } else { "; input and output tokens only: an alarm takes at most 10 metrics" },
                    num(budget)),
                "Region": region,
                "ComparisonOperator": "GreaterThanThreshold",
                "Threshold": serde_json::from_str::<Value>(&num(budget)).unwrap_or(json!(0)),
                "EvaluationPeriods": 3,
                "DatapointsToAlarm": 3,
                "TreatMissingData": "notBreaching",
                "Metrics": metrics
            }));
        }
    }
    (out, warnings)
}
