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
        "--region",
        "us-east-1,eu-west-1",
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
            &["ddl", "--s3", "https://x", "--region", "us-east-1"],
            "not an s3://bucket/prefix location",
        ),
        (
            &[
                "ddl",
                "--s3",
                "s3://b",
                "--region",
                "us-east-1",
                "--table",
                "Bad-Name",
            ],
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
                "--by",
                "meta:x' OR 1=1",
            ],
            "is not a key the query groups by",
        ),
    ];
    super::assert_usage_errors(&["athena"], cases);
}
