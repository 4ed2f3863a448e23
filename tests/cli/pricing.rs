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
