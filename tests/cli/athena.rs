//! `athena ddl` and `athena query`: the SQL, snapshotted (DuckDB runs the same query against
//! bedrock-lens's own engine in scripts/athena-test.sh), and bad flags as usage errors.

use super::run;

#[test]
fn athena_ddl() {
    let o = run(&[
        "athena",
        "ddl",
        "--s3",
        "s3://my-log-bucket/bedrock",
        "--since",
        "2026-01-01",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    insta::assert_snapshot!(o.stdout);
}

#[test]
fn athena_query() {
    let o = run(&[
        "athena",
        "query",
        "--account",
        "111122223333",
        "--log-region",
        "us-east-1,eu-west-1",
        "--start",
        "2026-10",
        "--end",
        "2026-10",
        "--by",
        "day,identity_arn,meta:team",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    insta::assert_snapshot!(o.stdout);
}

#[test]
fn bad_athena_flags_are_usage_errors() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["ddl", "--s3", "https://x"],
            "not an s3://bucket/prefix location",
        ),
        (
            &["ddl", "--s3", "s3://b", "--table", "Bad-Name"],
            "not a table or database name",
        ),
        (
            &["query", "--start", "2026-10", "--end", "2026-10"],
            "no --account",
        ),
        (
            &[
                "query",
                "--account",
                "1",
                "--start",
                "2026-10",
                "--end",
                "2026-10",
            ],
            "is not a 12-digit account id",
        ),
        (
            &[
                "query", "--engine", "duckdb", "--start", "2026-10", "--end", "2026-10",
            ],
            "no --root",
        ),
        (
            &[
                "query",
                "--account",
                "111122223333",
                "--start",
                "2026-10",
                "--end",
                "2026-10",
            ],
            "no --log-region",
        ),
        (
            &[
                "query",
                "--account",
                "111122223333",
                "--start",
                "2026-10",
                "--end",
                "2026-10",
                "--by",
                "meta:x' OR 1=1",
            ],
            "is not a key the query groups by",
        ),
    ];
    super::assert_usage_errors(&["athena"], cases);
}

#[test]
fn iam_policy_for_athena_names_the_workgroup_table_results_and_log_bucket() {
    let o = run(&[
        "iam-policy",
        "--collect",
        "athena",
        "--s3",
        "s3://my-logs/bedrock",
        "--athena-output",
        "s3://my-results/q/",
        "--athena-create",
        "--role-arn",
        "arn:aws:iam::{account}:role/BedrockLensRead",
        "--organization",
    ]);
    assert_eq!(o.code, 0, "{}", o.all());
    let st = o.json()["Statement"].clone();
    let sids: Vec<&str> = st
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect();
    assert_eq!(
        sids,
        [
            "ListInvocationLogObjects",
            "ReadInvocationLogObjects",
            "LocateInvocationLogBucket",
            "RunAthenaQuery",
            "ReadAthenaTable",
            "CreateAthenaTable",
            "AthenaResultsBucket",
            "AthenaResults",
            "ListOrganizationAccounts",
            "AssumeCollectionRoles"
        ]
    );
    assert_eq!(
        st[3]["Resource"],
        serde_json::json!(["arn:aws:athena:*:*:workgroup/primary"])
    );
    assert_eq!(
        st[4]["Resource"],
        serde_json::json!([
            "arn:aws:glue:*:*:catalog",
            "arn:aws:glue:*:*:database/bedrock_lens",
            "arn:aws:glue:*:*:table/bedrock_lens/invocation_logs"
        ])
    );
    assert_eq!(
        st[7]["Action"],
        serde_json::json!(["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"])
    );
    assert_eq!(
        st[7]["Resource"],
        serde_json::json!(["arn:aws:s3:::my-results/q/*"])
    );
    assert_eq!(
        st[9]["Resource"],
        serde_json::json!(["arn:aws:iam::*:role/BedrockLensRead"])
    );
    // Without --athena-create nothing in the policy can change the catalog; without --s3 it
    // cannot say which bucket the query reads.
    let o = run(&[
        "iam-policy",
        "--collect",
        "athena",
        "--s3",
        "s3://my-logs/bedrock",
    ]);
    assert!(!o.stdout.contains("glue:Create"), "{}", o.stdout);
    assert!(
        o.stderr.contains("note: no --athena-output"),
        "{}",
        o.stderr
    );
    let o = run(&["iam-policy", "--collect", "metrics", "--athena-create"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr.contains("but --collect has no athena"),
        "{}",
        o.stderr
    );
    let o = run(&["iam-policy", "--collect", "athena"]);
    assert_eq!(o.code, 2);
    assert!(
        o.stderr
            .contains("--collect athena: say where the logs are"),
        "{}",
        o.stderr
    );
}
