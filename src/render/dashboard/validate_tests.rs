//! Tests of the dashboard body checker (validate.rs).

use serde_json::json;

use super::*;

fn body(widgets: Value) -> Value {
    json!({ "widgets": widgets })
}

fn metric_w(x: i64, y: i64, w: i64, metrics: Value) -> Value {
    json!({"type": "metric", "x": x, "y": y, "width": w, "height": 6,
           "properties": {"title": "T", "region": "us-east-1", "period": 300, "metrics": metrics}})
}

#[test]
fn a_valid_body_passes() {
    let b = body(json!([
        {"type": "text", "x": 0, "y": 0, "width": 24, "height": 2, "properties": {"markdown": "# hi"}},
        metric_w(0, 2, 12, json!([
            ["AWS/Bedrock", "InputTokenCount", "ModelId", "m", {"id": "in0", "visible": false}],
            [{"id": "c0", "expression": "FILL(in0,0)*3/1000000"}]
        ])),
        metric_w(12, 2, 12, json!([["AWS/Bedrock", "Invocations"]]))
    ]));
    assert_eq!(check(&b), Vec::<String>::new());
}

#[test]
fn invalid_bodies_name_the_widget_and_field() {
    let cases = [
        (
            body(json!([metric_w(20, 0, 6, json!([["AWS/Bedrock", "Invocations"]]))])),
            "widget 0 \"T\": width: x 20 + width 6 passes the 24-column grid",
        ),
        (
            body(json!([
                metric_w(0, 0, 12, json!([["AWS/Bedrock", "Invocations"]])),
                metric_w(6, 3, 12, json!([["AWS/Bedrock", "Invocations"]]))
            ])),
            "widget 1 \"T\": x/y: overlaps widget 0",
        ),
        (
            body(json!([metric_w(0, 0, 6, json!([["AWS/Bedrock", "Invocations", {"id": "Inv"}]]))])),
            "widget 0 \"T\": properties.metrics[0]: id `Inv` must start with a lowercase letter",
        ),
        (
            body(json!([metric_w(0, 0, 6, json!([
                ["AWS/Bedrock", "Invocations", {"id": "a"}],
                ["AWS/Bedrock", "InputTokenCount", {"id": "a"}]
            ]))])),
            "widget 0 \"T\": properties.metrics[1]: id `a` is used twice",
        ),
        (
            body(json!([metric_w(0, 0, 6, json!([
                ["AWS/Bedrock", "Invocations", {"id": "inv"}],
                [{"id": "e", "expression": "100*thr/inv"}]
            ]))])),
            "widget 0 \"T\": properties.metrics[1]: expression refers to `thr`, which no metric in this widget defines",
        ),
        (
            body(json!([{"type": "metric", "x": 0, "y": 0, "width": 6, "height": 6,
                "properties": {"title": "T", "metrics": [["AWS/Bedrock", "Invocations"]]}}])),
            "widget 0 \"T\": properties.region: missing",
        ),
        (
            body(json!([metric_w(0, 0, 6, json!([["AWS/Bedrock", "Invocations", "ModelId"]]))])),
            "widget 0 \"T\": properties.metrics[0]: dimension names and values must come in pairs",
        ),
        (
            body(json!([{"type": "log", "x": 0, "y": 0, "width": 6, "height": 6,
                "properties": {"title": "L", "region": "us-east-1", "query": "fields @message"}}])),
            "widget 0 \"L\": properties.query: must start with SOURCE '<log group>'",
        ),
        (
            body(json!([{"type": "chart", "x": 0, "y": 0, "width": 6, "height": 6, "properties": {}}])),
            "widget 0: type: `chart` is not metric, text, log, alarm or explorer",
        ),
        (
            body(json!([metric_w(0, -1, 6, json!([["AWS/Bedrock", "Invocations"]]))])),
            "widget 0 \"T\": y: -1 is negative",
        ),
        (
            json!({"widgets": (0..501).map(|i| json!({"type": "text", "x": 0, "y": i, "width": 1, "height": 1, "properties": {"markdown": "."}})).collect::<Vec<_>>()}),
            "body: 501 widgets (at most 500)",
        ),
        (json!({}), "body: `widgets` is missing or not an array"),
    ];
    for (b, want) in cases {
        let errs = check(&b);
        assert!(
            errs.iter().any(|e| e.starts_with(want)),
            "want {want}\ngot {errs:#?}"
        );
    }
}

#[test]
fn expression_ids_skip_functions_numbers_and_strings() {
    assert_eq!(
        referenced_ids("SUM([c0,c1])*1e6+FILL(in_0,0)+SEARCH('{AWS/Bedrock} x', 'Sum')"),
        vec!["c0", "c1", "in_0"]
    );
}

#[test]
fn alarms_are_checked() {
    let m = |id: &str| json!({"Id": id, "ReturnData": false, "MetricStat": {}});
    let mut metrics: Vec<Value> = (0..10).map(|i| m(&format!("m{i}"))).collect();
    metrics.push(json!({"Id": "e", "ReturnData": true, "Expression": "m0+zz"}));
    let errs = check_alarm(&json!({"AlarmName": "a", "Metrics": metrics}));
    assert_eq!(
        errs,
        [
            "alarm a: Metrics: 11 metrics (at most 10)",
            "alarm a: Metrics[10]: expression refers to `zz`, which no metric of this alarm defines"
        ]
    );
    let errs = check_alarm(&json!({"AlarmName": "b", "Metrics": [m("x"), m("x")]}));
    assert_eq!(
        errs,
        [
            "alarm b: Metrics: 0 metrics return data (exactly one must)",
            "alarm b: Metrics[1]: id `x` is used twice"
        ]
    );
}

#[test]
fn dashboard_names() {
    assert!(check_name("genai-prod_1").is_ok());
    assert_eq!(
        check_name("genai prod").unwrap_err(),
        "dashboard name contains ` `: only letters, digits, `-` and `_` are allowed"
    );
    assert!(check_name("").is_err());
    assert!(check_name(&"a".repeat(256)).is_err());
}

fn text_w(x: i64, y: i64) -> Value {
    json!({"type": "text", "x": x, "y": y, "width": 6, "height": 6,
           "properties": {"markdown": "t"}})
}

#[test]
fn each_widget_says_its_overlaps_once() {
    // 12 widgets on one spot: each says once how many it overlaps, ten named.
    let b = body(Value::Array((0..12).map(|_| text_w(0, 0)).collect()));
    let errs = check(&b);
    assert_eq!(errs.len(), 11);
    assert_eq!(errs[0], "widget 1: x/y: overlaps widget 0");
    assert_eq!(
        errs[10],
        "widget 11: x/y: overlaps 11 widgets: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 1 more"
    );
    // 400: the first MAX_PROBLEMS in full, the rest counted.
    let b = body(Value::Array((0..400).map(|_| text_w(0, 0)).collect()));
    let errs = check(&b);
    assert_eq!(errs.len(), MAX_PROBLEMS + 1);
    assert_eq!(
        errs[MAX_PROBLEMS],
        "body: 349 more problems not shown (fix those above and check again)"
    );
    // Past the widget limit, one line: the count.
    let b = body(Value::Array((0..20_000).map(|_| text_w(0, 0)).collect()));
    assert_eq!(
        check(&b),
        vec!["body: 20000 widgets (at most 500)".to_string()]
    );
}

#[test]
fn extreme_positions_do_not_overflow() {
    let far = json!({"type": "text", "x": 0, "y": i64::MAX, "width": 6, "height": 1000,
                     "properties": {"markdown": "t"}});
    let errs = check(&body(json!([far.clone(), far])));
    assert_eq!(errs, vec!["widget 1: x/y: overlaps widget 0".to_string()]);
}

#[test]
fn a_grid_sum_past_i64_is_said() {
    let mut w = text_w(i64::MAX / 2, 0);
    w["width"] = json!(i64::MAX);
    let errs = check(&body(json!([w])));
    assert!(
        errs.contains(&format!(
            "widget 0: width: x {} + width {} passes the 24-column grid",
            i64::MAX / 2,
            i64::MAX
        )),
        "{errs:?}"
    );
}

#[test]
fn body_text_in_messages_is_cleaned_and_cut_short() {
    let mut w = metric_w(
        0,
        0,
        6,
        json!([["AWS/Bedrock", "Invocations", {"id": "Bad\u{1b}"}]]),
    );
    w["properties"]["title"] = json!("t".repeat(100_000));
    w["type"] = json!("\u{b}");
    let title = format!("widget 0 \"{}...\"", "t".repeat(80));
    assert_eq!(
        check(&body(json!([w]))),
        [format!(
            "{title}: type: `?` is not metric, text, log, alarm or explorer"
        )]
    );
    w = metric_w(
        0,
        0,
        6,
        json!([[{"id": "Bad\u{1b}", "expression": "x".repeat(500)}]]),
    );
    assert_eq!(
        check(&body(json!([w]))),
        [
            "widget 0 \"T\": properties.metrics[0]: id `Bad?` must start with a lowercase letter and hold only letters, digits and _".to_string(),
            format!("widget 0 \"T\": properties.metrics[0]: expression refers to `{}...`, which no metric in this widget defines", "x".repeat(80)),
        ]
    );
}

#[test]
fn past_max_problems_the_rest_are_counted() {
    let bad: Vec<Value> = (0..60)
        .map(|i| json!({"type": "nope", "x": 0, "y": i, "width": 1, "height": 1}))
        .collect();
    let errs = check(&body(json!(bad)));
    assert_eq!(errs.len(), MAX_PROBLEMS + 1);
    assert_eq!(
        errs[MAX_PROBLEMS - 1],
        "widget 49: type: `nope` is not metric, text, log, alarm or explorer"
    );
    assert_eq!(
        errs[MAX_PROBLEMS],
        "body: 10 more problems not shown (fix those above and check again)"
    );
}

#[test]
fn titles_in_messages_are_cleaned() {
    let mut w = text_w(0, 0);
    w["properties"]["title"] = json!("a\u{1b}[2Jb");
    let errs = check(&body(json!([w.clone(), w])));
    assert_eq!(
        errs,
        vec!["widget 1 \"a?[2Jb\": x/y: overlaps widget 0".to_string()]
    );
}
