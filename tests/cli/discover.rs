//! `discover`'s usage errors (the calls themselves run against the emulator, in
//! tests/emulator/discover.rs): each exits 2 with a hint, before any call.

use super::run;

#[test]
fn bad_targets_are_usage_errors_with_a_hint() {
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "--role-arn",
                "arn:aws:iam::111122223333:role/R",
                "--account",
                "111122223333,444455556666",
                "--region",
                "us-east-1",
            ],
            "has no {account} for the accounts to go in",
        ),
        (
            &[
                "--role-arn",
                "arn:aws:iam::{account}:role/R",
                "--account",
                "12345",
                "--region",
                "us-east-1",
            ],
            "--account `12345` is not a 12-digit account id",
        ),
        (
            &[
                "--role-arn",
                "arn:aws:iam::{account}:role/R",
                "--account",
                "111122223333",
                "--profile",
                "a",
                "--profile",
                "b",
                "--region",
                "us-east-1",
            ],
            "several --profile are given",
        ),
        (&["--region", "not a region"], "is not a region name"),
    ];
    super::assert_usage_errors(&["discover"], cases);
    // --account without --role-arn is refused by the parser.
    let o = run(&["discover", "--account", "111122223333"]);
    assert_eq!(o.code, 2, "{}", o.all());
}
