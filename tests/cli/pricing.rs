//! `pricing list|show|resolve|check`, and the catalog check over every price file.

use super::{run, run_in};

/// The `pricing check` test: every embedded file parses, has positive prices with at most 6
/// decimals, valid dates, sources, and no duplicate keys, ids or (region, scope) rows.
#[test]
fn pricing_check_validates_the_embedded_catalog() {
    let o = run(&["pricing", "check"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.starts_with("ok: "), "{}", o.stdout);
    let models: usize = o.stdout["ok: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(models >= 30, "at least 30 models, got {models}");
    // The files on disk (the ones embedded) also load as overrides of themselves.
    let o = run(&["pricing", "check", "pricing"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stdout
            .contains("pricing/anthropic.toml, pricing/amazon.toml"),
        "{}",
        o.stdout
    );
}

#[test]
fn catalog_covers_the_families_and_regions() {
    let v: serde_json::Value =
        serde_json::from_str(&run(&["pricing", "list", "--format", "json"]).stdout).unwrap();
    let models = v["models"].as_array().unwrap();
    for provider in [
        "Anthropic",
        "Amazon",
        "Meta",
        "Mistral AI",
        "Cohere",
        "DeepSeek",
        "AI21 Labs",
        "Writer",
        "Qwen",
        "OpenAI",
    ] {
        assert!(
            models.iter().any(|m| m["provider"] == provider),
            "{provider}"
        );
    }
    for m in models {
        assert!(!m["source"].as_str().unwrap().is_empty());
        for p in m["prices"].as_array().unwrap() {
            assert!(p["as_of"].as_str().unwrap().starts_with("20"), "{m}");
            assert!(!p["source"].as_str().unwrap().is_empty());
        }
    }
    // EU prices differ from US for Nova Micro
    let eu = run(&[
        "pricing",
        "list",
        "--region",
        "eu-central-1",
        "--provider",
        "amazon",
        "--format",
        "csv",
    ])
    .stdout;
    assert!(eu.contains("amazon.nova-micro,Amazon,regional,eu-central-1 eu-north-1 eu-west-1 eu-west-3,0.046,0.184"), "{eu}");
}

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_string()
}

#[test]
fn pricing_check_rejects_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let head = "[[model]]\nkey = \"x.model\"\nsource = \"sheet\"\nas_of = \"2026-11-01\"\n";
    let cases = [
        ("neg.toml", format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = \"-1\"\n"), "input: price must be positive, got -1"),
        ("zero.toml", format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = 0\n"), "input: price must be positive, got 0"),
        ("dec.toml", format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = \"0.0000001\"\n"), "more than 6 decimals"),
        ("date.toml", "[[model]]\nkey = \"x\"\nsource = \"s\"\nas_of = \"2026-02-30\"\n[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n".to_string(), "as_of: `2026-02-30` is not a date"),
        ("unknown.toml", format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\ninptu = 2\n"), "unknown field `inptu`"),
        ("region.toml", format!("{head}[[model.price]]\nregions = [\"virginia\"]\ninput = 1\n"), "`virginia` is not an AWS region name"),
        ("dupkey.toml", format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n"), "duplicate model key in this file"),
        ("duprow.toml", format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n[[model.price]]\nregions = [\"us-west-2\", \"us-east-1\"]\ninput = 2\n"), "two price rows for region us-east-1 at scope regional"),
        ("dupid.toml", "[[model]]\nkey = \"mine\"\nids = [\"amazon.nova-pro-v1:0\"]\nsource = \"s\"\nas_of = \"2026-11-01\"\n[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n".to_string(), "id `amazon.nova-pro-v1:0` is already listed under model `amazon.nova-pro`"),
        ("nosource.toml", "[[model]]\nkey = \"y\"\nsource = \"\"\nas_of = \"2026-11-01\"\n[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n".to_string(), "`source` is empty"),
        ("syntax.toml", "[[model]\nkey = 1\n".to_string(), "syntax.toml: "),
        ("future.toml", "[[model]]\nkey = \"z\"\nsource = \"s\"\nas_of = \"2099-01-01\"\n[[model.price]]\nregions = [\"us-east-1\"]\ninput = 1\n".to_string(), "as_of: 2099-01-01 is in the future"),
    ];
    for (name, text, msg) in cases {
        let f = write(dir.path(), name, &text);
        let o = run_in(dir.path(), &["pricing", "check", &f]);
        assert_eq!(o.code, 1, "{name}: {}", o.stderr);
        assert!(
            o.stderr.contains(msg),
            "{name}: expected `{msg}` in\n{}",
            o.stderr
        );
        assert!(
            o.stderr.contains(name),
            "{name}: the message names the file"
        );
        // The same file given to report is a usage problem, reported before reading any log.
        let r = run_in(dir.path(), &["report", "--logs", ".", "--pricing", &f]);
        assert_ne!(r.code, 0, "{name}");
    }
    let ok = write(
        dir.path(),
        "ok.toml",
        &format!("{head}[[model.price]]\nregions = [\"us-east-1\"]\ninput = \"0.123456\"\n"),
    );
    assert_eq!(run_in(dir.path(), &["pricing", "check", &ok]).code, 0);
}

#[test]
fn resolve_explains_every_id_form() {
    let ids = [
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "us.anthropic.claude-sonnet-4-20250514-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "apac.amazon.nova-lite-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-micro-v1:0",
        "arn:aws:bedrock:us-west-2:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3d4e5f6",
        "arn:aws:bedrock:us-east-1:123456789012:provisioned-model/abc123",
        "us.anthropic.claude-opus-5-20261015-v1:0",
        // Ids as newer logs carry them: no date or `:0` suffix, more geographies, a system
        // profile's ARN from another region, a model served only by the bedrock-mantle endpoint.
        "anthropic.claude-sonnet-4-6",
        "global.anthropic.claude-opus-4-7",
        "jp.anthropic.claude-haiku-4-5-20251001-v1:0",
        "in.anthropic.claude-sonnet-4-6",
        "us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-opus-4-6-v1",
        "openai.gpt-5.9-preview",
    ];
    let mut all = String::new();
    for id in ids {
        let o = run(&[
            "pricing",
            "resolve",
            id,
            "--inference-profiles",
            "tests/fixtures/profiles.toml",
        ]);
        assert_eq!(o.code, 0, "{id}: {}", o.stderr);
        all.push_str(&o.stdout);
        all.push_str("----\n");
    }
    insta::assert_snapshot!("pricing_resolve_all_forms", all);
    let v: serde_json::Value = serde_json::from_str(
        &run(&[
            "pricing",
            "resolve",
            "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "--format",
            "json",
        ])
        .stdout,
    )
    .unwrap();
    assert_eq!(v["kind"], "global");
    assert_eq!(v["price_row"]["rates"]["input"], "3");
    assert_eq!(v["price_row"]["rates"]["long_input"], "6");
}

#[test]
fn show_and_list() {
    let o = run(&[
        "pricing",
        "show",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ]);
    assert_eq!(o.code, 0);
    insta::assert_snapshot!("pricing_show_sonnet_4_5", o.stdout);
    let o = run(&["pricing", "show", "claude-opus-5"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("hint: "), "{}", o.stderr);
    let o = run(&["pricing", "list", "--provider", "meta"]);
    insta::assert_snapshot!("pricing_list_meta", o.stdout);
}

/// A filter that matches nothing is said (exit 1), not an empty table; resolve has no CSV.
#[test]
fn empty_lists_and_unsupported_formats_are_said() {
    let o = super::run(&["pricing", "list", "--provider", "nobody"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
    assert!(o
        .stderr
        .contains("error: no model in the catalog matches --provider nobody"));
    assert!(o.stderr.contains("hint: providers: "), "{}", o.stderr);
    assert!(o.stderr.contains("Anthropic"), "{}", o.stderr);
    let o = super::run(&[
        "pricing",
        "list",
        "--region",
        "xx-nowhere-1",
        "--format",
        "json",
    ]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(o.json()["models"].as_array().unwrap().len(), 0);
    assert!(
        o.stderr.contains("hint: regions with prices: "),
        "{}",
        o.stderr
    );
    assert!(o.stderr.contains("us-east-1"), "{}", o.stderr);
    let o = super::run(&[
        "pricing",
        "resolve",
        "amazon.nova-micro-v1:0",
        "--format",
        "csv",
    ]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(
        o.stderr.contains("hint: use --format table"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
}

/// An id given to resolve is shown, never acted on by the terminal.
#[test]
fn resolve_cleans_the_id_it_shows() {
    let o = super::run(&["pricing", "resolve", "x\u{1b}[2J\u{202E}y"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        !o.stdout.contains('\u{1b}') && !o.stdout.contains('\u{202E}'),
        "{:?}",
        o.stdout
    );
    assert!(o.stdout.contains("id:       x?[2J?y"), "{}", o.stdout);
}

/// `pricing template ID` prints a price file for the id: empty rates and source for a model
/// the catalog does not know (refused until filled in), the catalog's rates for one it does.
#[test]
fn template_prints_a_file_to_fill_in() {
    let dir = tempfile::tempdir().unwrap();
    let id = "us.anthropic.claude-opus-5-20261015-v1:0";
    let o = run(&["pricing", "template", id]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let body: String = o
        .stdout
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{}\n", l.split(" #").next().unwrap().trim_end()))
        .collect();
    assert_eq!(
        body,
        "\n[[model]]\nkey = \"anthropic.claude-opus-5\"\nids = [\"anthropic.claude-opus-5-20261015-v1:0\"]\nsource = \"\"\nas_of = \"\"\n\n[[model.price]]\nregions = [\"us-east-1\"]\nscope = \"regional\"\ninput = \"\"\noutput = \"\"\n"
    );
    // As printed, it is refused (never a $0 price)
    let f = dir.path().join("opus5.toml");
    std::fs::write(&f, &o.stdout).unwrap();
    let c = run(&["pricing", "check", f.to_str().unwrap()]);
    assert_eq!(c.code, 1, "{}", c.stderr);
    assert!(c.stderr.contains("`source` is empty"), "{}", c.stderr);
    // Filled in, it prices the model: 500 x $4 + 100 x $20 per 1M = $0.004
    let filled = o
        .stdout
        .replace("source = \"\"", "source = \"our quote\"")
        .replace("as_of = \"\"", "as_of = \"2026-11-15\"")
        .replace("input = \"\"", "input = \"4\"")
        .replace("output = \"\"", "output = \"20\"");
    std::fs::write(&f, filled).unwrap();
    assert_eq!(run(&["pricing", "check", f.to_str().unwrap()]).code, 0);
    let r = run(&[
        "--pricing",
        f.to_str().unwrap(),
        "report",
        "--logs",
        "tests/fixtures/logs",
        "--format",
        "json",
    ]);
    assert_eq!(r.json()["totals"]["cost_usd"], serde_json::json!(1.312326));
    // An empty rate is named as such
    let half = o
        .stdout
        .replace("source = \"\"", "source = \"our quote\"")
        .replace("as_of = \"\"", "as_of = \"2026-11-15\"");
    std::fs::write(&f, half).unwrap();
    let c = run(&["pricing", "check", f.to_str().unwrap()]);
    assert!(
        c.stderr.contains("input is empty: fill in the rate"),
        "{}",
        c.stderr
    );
    // A model the catalog knows: its rates (and the threshold its long-context rates need),
    // which check accepts once source and as_of are filled in
    let o = run(&[
        "pricing",
        "template",
        "us.anthropic.claude-sonnet-4-20250514-v1:0",
    ]);
    assert!(
        o.stdout.contains("\nlong_context_threshold = 200000\n"),
        "{}",
        o.stdout
    );
    let filled = o
        .stdout
        .replace("source = \"\"", "source = \"our quote\"")
        .replace("as_of = \"\"", "as_of = \"2026-11-15\"");
    std::fs::write(&f, filled).unwrap();
    let c = run(&["pricing", "check", f.to_str().unwrap()]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    let o = run(&[
        "pricing",
        "template",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
    ]);
    assert!(
        o.stdout.contains("scope = \"global\"")
            && o.stdout
                .contains("\ninput = \"1\"\noutput = \"5\"\ncache_read = \"0.1\"\n"),
        "{}",
        o.stdout
    );
    // The unpriced warning points at it
    let r = run(&["report", "--logs", "tests/fixtures/logs"]);
    assert!(
        r.stderr
            .contains("`bedrock-lens pricing template <model id>`"),
        "{}",
        r.stderr
    );
}

/// One invocation-log record (no bodies) for the price tests.
fn record(id: &str, day: &str, region: &str, model: &str, input: u64, output: u64) -> String {
    format!(
        "{}\n",
        serde_json::json!({
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": format!("{day}T12:00:00Z"),
            "accountId": "111122223333",
            "region": region,
            "requestId": id,
            "operation": "Converse",
            "modelId": model,
            "identity": {"arn": "arn:aws:sts::111122223333:assumed-role/app/s"},
            "input": {"inputTokenCount": input},
            "output": {"outputTokenCount": output}
        })
    )
}

const FIXTURES: [&str; 3] = [
    "tests/fixtures/pricelist/AmazonBedrock-us-east-1.json",
    "tests/fixtures/pricelist/AmazonBedrockFoundationModels-us-east-1.json",
    "tests/fixtures/pricelist/AmazonBedrockFoundationModels-ap-northeast-2.json",
];

#[test]
fn sync_reads_both_offers_and_lists_what_it_cannot_map() {
    let mut args = vec!["pricing", "sync", "--from"];
    args.extend(FIXTURES);
    let o = run(&args);
    assert_eq!(o.code, 0, "{}", o.all());
    insta::assert_snapshot!("pricing_sync_fixtures", o.stdout);
    args.extend(["--format", "json"]);
    let v = run(&args).json();
    assert_eq!(v["schema"], "bedrock-lens/pricing-sync/v1");
    // Units read per SKU: the AmazonBedrock offer's per-1K prices and the FoundationModels
    // offer's per-1M prices give the catalog's per-1M rates exactly, so these rows agree
    // with the catalog (no "changed" entry): Nova 2 Lite 0.00033/1K = 0.33/1M, Sonnet 4.6 3.3/1M.
    let diff = v["diff"].as_array().unwrap();
    assert!(diff.iter().all(|d| d["change"] != "changed"), "{diff:?}");
    assert!(diff.iter().all(
        |d| !(d["model"] == "anthropic.claude-sonnet-4-6" || d["model"] == "amazon.nova-lite")
    ));
    // The Titan SKUs name a model the catalog does not know by feed name: listed, not guessed
    assert_eq!(
        v["unknown_models"],
        serde_json::json!([{"name": "TitanEmbeddingsV2-Text-input", "regions": ["us-east-1"], "skus": 2}])
    );
    let unmapped: Vec<(String, String)> = v["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["usagetype"].as_str().unwrap().to_string(),
                u["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        unmapped,
        [
            (
                "USE1-NovaPro-cache-write-input-token-count-custom-model".to_string(),
                "qualifier `custom` has no catalog field".to_string()
            ),
            (
                "USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed".to_string(),
                "not a token usage type".to_string()
            ),
            (
                "USE1-MP:USE1_InputTokenCount_Global-Units".to_string(),
                "unit `Units` is not a token count this parser knows (1K tokens, 1M tokens)"
                    .to_string()
            ),
            (
                "USE1-MP:USE1_Reserved_1Month_InputTPM_Global-Units".to_string(),
                "`reserved` is not a token count this parser knows".to_string()
            ),
        ]
    );
}

#[test]
fn sync_writes_a_catalog_that_check_accepts_and_dates_a_changed_price() {
    let dir = tempfile::tempdir().unwrap();
    // A newer offer (published 2026-10-15) with Nova Lite's output raised from $0.00024 to
    // $0.0003 per 1K tokens.
    let text = std::fs::read_to_string(super::root().join(FIXTURES[0])).unwrap();
    assert_eq!(text.matches("\"0.0002400000\"").count(), 1);
    std::fs::write(
        dir.path().join("ab.json"),
        text.replace("\"0.0002400000\"", "\"0.0003000000\"")
            .replace("20260929150144", "20261015000000")
            .replace("2026-09-29T15:01:44Z", "2026-10-15T00:00:00Z"),
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &[
            "pricing", "sync", "--from", "ab.json", "--out", "prices", "--format", "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    let changed: Vec<&serde_json::Value> = v["diff"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["change"] == "changed")
        .collect();
    assert_eq!(
        changed,
        [
            &serde_json::json!({"model": "amazon.nova-lite", "region": "us-east-1", "scope": "regional",
            "field": "output", "change": "changed", "old": "0.24", "new": "0.3"})
        ]
    );
    let check = run_in(dir.path(), &["pricing", "check", "prices"]);
    assert_eq!(check.code, 0, "{}", check.all());
    // One request the day before the new offer's publication, one after: 1M output tokens
    // each, at $0.24 and $0.30 per 1M = $0.54; the report names both versions, and its as-of
    // is the newer offer's.
    std::fs::write(
        dir.path().join("logs.jsonl"),
        [
            record(
                "r1",
                "2026-10-14",
                "us-east-1",
                "amazon.nova-lite-v1:0",
                0,
                1_000_000,
            ),
            record(
                "r2",
                "2026-10-16",
                "us-east-1",
                "amazon.nova-lite-v1:0",
                0,
                1_000_000,
            ),
        ]
        .concat(),
    )
    .unwrap();
    let r = run_in(
        dir.path(),
        &[
            "report",
            "--logs",
            "logs.jsonl",
            "--pricing",
            "prices",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.all());
    let v = r.json();
    assert_eq!(v["totals"]["cost_usd"], serde_json::json!(0.54));
    assert_eq!(v["pricing"]["catalog_as_of"], "2026-10-15");
    assert_eq!(
        v["pricing"]["price_versions"],
        serde_json::json!([
            {"model": "amazon.nova-lite", "scope": "regional", "valid_from": null, "valid_until": "2026-10-15", "invocations": 1},
            {"model": "amazon.nova-lite", "scope": "regional", "valid_from": "2026-10-15", "valid_until": null, "invocations": 1}
        ])
    );
    assert!(
        r.stderr.contains("note: a price changed within the data"),
        "{}",
        r.stderr
    );
    // The same publication read again changes nothing and dates nothing.
    let again = run(&["pricing", "sync", "--from", FIXTURES[0], "--format", "json"]).json();
    assert!(again["diff"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["model"] != "amazon.nova-lite"));
    // A model the offer no longer lists in a region it covers is removed there, field by field.
    std::fs::write(
        dir.path().join("gone.json"),
        text.replace("\"Nova Lite\"", "\"Nova Lite Renamed\""),
    )
    .unwrap();
    let v = run_in(
        dir.path(),
        &["pricing", "sync", "--from", "gone.json", "--format", "json"],
    )
    .json();
    let removed: Vec<&str> = v["diff"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["model"] == "amazon.nova-lite" && d["change"] == "removed")
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        removed,
        [
            "batch_input",
            "batch_output",
            "cache_read",
            "cache_write_5m",
            "input",
            "output"
        ]
    );
    assert_eq!(v["unknown_models"][0]["name"], "Nova Lite Renamed");
}

#[test]
fn sync_refuses_a_file_that_is_not_a_bedrock_offer() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ec2.json"), r#"{"offerCode":"AmazonEC2","version":"1","publicationDate":"2026-01-01T00:00:00Z","products":{}}"#).unwrap();
    std::fs::write(dir.path().join("junk.json"), "SECRET prompt text").unwrap();
    let o = run_in(dir.path(), &["pricing", "sync", "--from", "ec2.json"]);
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(
        o.stderr
            .contains("offer `AmazonEC2` is not an Amazon Bedrock offer"),
        "{}",
        o.stderr
    );
    let o = run_in(dir.path(), &["pricing", "sync", "--from", "junk.json"]);
    assert_eq!(o.code, 2, "{}", o.all());
    assert!(
        o.stderr
            .contains("junk.json: not an AWS Price List offer file"),
        "{}",
        o.stderr
    );
    assert!(!o.stderr.contains("SECRET"), "{}", o.stderr);
    let o = run(&["pricing", "sync"]);
    assert_eq!(o.code, 2, "{}", o.all());
}

#[test]
fn a_built_in_price_change_prices_requests_by_their_day() {
    // GPT-5.6 Sol in-region: $5.50 / $33 until 2026-08-21, then $4.40 / $22 (pricing/overlay/openai.toml).
    // 100K in + 10K out on the 20th: 0.55 + 0.33 = $0.88; on the 22nd: 0.44 + 0.22 = $0.66.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("logs.jsonl"),
        [
            record(
                "s1",
                "2026-08-20",
                "us-east-1",
                "openai.gpt-5.6-sol",
                100_000,
                10_000,
            ),
            record(
                "s2",
                "2026-08-22",
                "us-east-1",
                "openai.gpt-5.6-sol",
                100_000,
                10_000,
            ),
        ]
        .concat(),
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &[
            "report",
            "--logs",
            "logs.jsonl",
            "--by",
            "day",
            "--format",
            "json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let v = o.json();
    let days: Vec<(&str, f64)> = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["day"].as_str().unwrap(), r["cost_usd"].as_f64().unwrap()))
        .collect();
    assert_eq!(days, [("2026-08-20", 0.88), ("2026-08-22", 0.66)]);
    assert_eq!(v["totals"]["cost_usd"], serde_json::json!(1.54));
    assert_eq!(v["pricing"]["price_versions"].as_array().unwrap().len(), 2);
    let md = run_in(
        dir.path(),
        &["report", "--logs", "logs.jsonl", "--format", "markdown"],
    );
    assert!(
        md.stdout.contains("priced by dated price rows (a price changed): openai.gpt-5-6-sol (regional) rates until 2026-08-21: 1 invocation(s); openai.gpt-5-6-sol (regional) rates from 2026-08-21: 1 invocation(s)"),
        "{}",
        md.stdout
    );
}

#[test]
fn old_data_is_priced_new_data_past_the_as_of_gets_a_freshness_warning() {
    // The catalog's as-of is its Price List publication, 2026-09-29: data to 2026-12-01 runs
    // past as-of + 45 days (2026-11-13).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("logs.jsonl"),
        record(
            "n1",
            "2026-12-01",
            "us-east-1",
            "amazon.nova-micro-v1:0",
            1_000_000,
            0,
        ),
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &["report", "--logs", "logs.jsonl", "--format", "json"],
    );
    assert_eq!(o.code, 0, "{}", o.all());
    let w = "the data runs to 2026-12-01, more than 45 days after the catalog's prices were read (2026-09-29): prices may have changed since; run `bedrock-lens pricing sync` or pass newer prices with --pricing";
    assert_eq!(o.json()["pricing"]["stale_prices"], w);
    assert!(o.stderr.contains(&format!("warning: {w}")), "{}", o.stderr);
    let md = run_in(
        dir.path(),
        &["report", "--logs", "logs.jsonl", "--format", "markdown"],
    );
    assert!(md.stdout.contains(w), "{}", md.stdout);
}

#[test]
fn pricing_check_names_ended_models_the_logs_still_call() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("logs.jsonl"),
        [
            record(
                "e1",
                "2026-10-20",
                "us-east-1",
                "us.anthropic.claude-sonnet-4-20250514-v1:0",
                10,
                10,
            ),
            record(
                "e2",
                "2026-10-21",
                "us-east-1",
                "us.anthropic.claude-sonnet-4-20250514-v1:0",
                10,
                10,
            ),
            record(
                "e3",
                "2026-10-21",
                "us-east-1",
                "amazon.nova-micro-v1:0",
                10,
                10,
            ),
        ]
        .concat(),
    )
    .unwrap();
    let o = run_in(dir.path(), &["pricing", "check", "--logs", "logs.jsonl"]);
    assert_eq!(o.code, 0, "{}", o.all());
    assert!(
        o.stdout.contains("models past their end of life that the logs still call (1; still priced, but move off them):\n  anthropic.claude-sonnet-4 (Claude Sonnet 4): ended 2026-10-14; in the logs: 2 invocation(s), the last on 2026-10-21\n"),
        "{}",
        o.stdout
    );
}

/// A tiny HTTP/1.1 server for `--fetch`: serves `files` (path -> body), 404 otherwise, for as
/// many requests as come; returns its base URL.
fn serve(files: Vec<(String, String)>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            // Skip the headers.
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let path = first.split(' ').nth(1).unwrap_or("").to_string();
            let (status, body) = match files.iter().find(|(p, _)| *p == path) {
                Some((_, b)) => ("200 OK", b.clone()),
                None => ("404 Not Found", String::new()),
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn sync_fetch_reads_the_region_indexes_then_each_offer_file() {
    let read = |f: &str| std::fs::read_to_string(super::root().join(f)).unwrap();
    let index = |offer: &str, version: &str, regions: &[&str]| {
        let r: Vec<String> = regions
            .iter()
            .map(|r| format!("\"{r}\":{{\"regionCode\":\"{r}\",\"currentVersionUrl\":\"/offers/v1.0/aws/{offer}/{version}/{r}/index.json\"}}"))
            .collect();
        format!(
            "{{\"formatVersion\":\"v1.0\",\"regions\":{{{}}}}}",
            r.join(",")
        )
    };
    let files = vec![
        (
            "/offers/v1.0/aws/AmazonBedrock/current/region_index.json".to_string(),
            index(
                "AmazonBedrock",
                "20260929150144",
                &["us-east-1", "eu-west-1"],
            ),
        ),
        (
            "/offers/v1.0/aws/AmazonBedrock/20260929150144/us-east-1/index.json".to_string(),
            read(FIXTURES[0]),
        ),
        (
            "/offers/v1.0/aws/AmazonBedrockFoundationModels/current/region_index.json".to_string(),
            index(
                "AmazonBedrockFoundationModels",
                "20260928180929",
                &["us-east-1", "ap-northeast-2"],
            ),
        ),
        (
            "/offers/v1.0/aws/AmazonBedrockFoundationModels/20260928180929/us-east-1/index.json"
                .to_string(),
            read(FIXTURES[1]),
        ),
    ];
    let url = serve(files);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args([
            "pricing",
            "sync",
            "--fetch",
            "--region",
            "us-east-1",
            "--format",
            "json",
        ])
        .env("BEDROCK_LENS_PRICE_LIST_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let offers: Vec<(&str, &str)> = v["offers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["offer"].as_str().unwrap(), o["version"].as_str().unwrap()))
        .collect();
    assert_eq!(
        offers,
        [
            ("AmazonBedrock", "20260929150144"),
            ("AmazonBedrockFoundationModels", "20260928180929")
        ]
    );
    assert_eq!(v["unmapped"].as_array().unwrap().len(), 4);
    // A region an offer does not list is said, not fetched; a missing file fails with its URL.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-lens"))
        .args(["pricing", "sync", "--fetch", "--region", "eu-west-1"])
        .env("BEDROCK_LENS_PRICE_LIST_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("AmazonBedrock/20260929150144/eu-west-1/index.json: HTTP 404"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: no network here?"), "{stderr}");
}
