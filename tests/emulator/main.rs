//! Collectors against the local AWS emulator (scripts/emulator.sh sets BEDROCK_LENS_EMULATOR).
//! Without it the tests are skipped, except under CI=true, where they fail.

use aws_sdk_cloudwatch::primitives::DateTime as SmithyTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum};
use bedrock_lens::collect::aws::{config, AwsArgs};
use bedrock_lens::collect::metric_plan;
use bedrock_lens::collect::metrics::{discover, fetch, Calls};

fn endpoint() -> Option<String> {
    match std::env::var("BEDROCK_LENS_EMULATOR") {
        Ok(e) => Some(e),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true and no emulator: run the suite through scripts/test.sh")
        }
        Err(_) => {
            eprintln!("skipped: no BEDROCK_LENS_EMULATOR");
            None
        }
    }
}

#[tokio::test]
async fn metrics_round_trip() {
    let Some(ep) = endpoint() else { return };
    std::env::set_var("AWS_ACCESS_KEY_ID", "test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "test");
    let conf = config(
        &AwsArgs {
            profile: None,
            endpoint_url: Some(ep),
        },
        Some("us-east-1"),
    )
    .await;
    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let now = chrono::Utc::now();
    let t = now - chrono::Duration::hours(2);
    let t = t - chrono::Duration::seconds(t.timestamp() % 3600);
    for (metric, value) in [
        ("InputTokenCount", 1200.0),
        ("OutputTokenCount", 300.0),
        ("Invocations", 3.0),
    ] {
        cw.put_metric_data()
            .namespace("AWS/Bedrock")
            .metric_data(
                MetricDatum::builder()
                    .metric_name(metric)
                    .dimensions(
                        Dimension::builder()
                            .name("ModelId")
                            .value("amazon.nova-micro-v1:0")
                            .build(),
                    )
                    .timestamp(SmithyTime::from_secs(t.timestamp() + 60))
                    .value(value)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    let mut calls = Calls::default();
    let found = discover(&cw, &mut calls).await.unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    // Only Sum statistics here: the emulator cannot serve percentiles.
    let queries: Vec<_> = metric_plan::queries(&found);
    let points = fetch(&cw, "us-east-1", &queries, t, now, 3600, &mut calls)
        .await
        .unwrap();
    let sum = |m: &str| -> f64 {
        points
            .iter()
            .filter(|p| p.metric == m && p.stat == "Sum")
            .map(|p| p.value)
            .sum()
    };
    assert_eq!(
        (
            sum("InputTokenCount"),
            sum("OutputTokenCount"),
            sum("Invocations")
        ),
        (1200.0, 300.0, 3.0)
    );
    assert_eq!(
        (
            calls.list_metrics,
            calls.get_metric_data,
            calls.metrics_requested
        ),
        (1, 1, 3)
    );
}
