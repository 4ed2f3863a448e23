//! Bounded property tests (issue 11's fuzz targets): the invocation-log reader and record parser,
//! and the dashboard checker, fed arbitrary and mutated input. Each property runs a fixed number
//! of cases from a fixed seed (a few seconds in a debug build); `PROPTEST_CASES` and
//! `PROPTEST_RNG_SEED` explore further.

use std::io::Write;
use std::sync::Arc;

use bedrock_lens::render::dashboard::validate;
use bedrock_lens::usage::ingest::{ingest, Sink};
use bedrock_lens::usage::record::{RawRecord, MAX_TOKENS};
use bedrock_lens::usage::scan;
use bedrock_lens::usage::{Diagnostics, IngestOptions, IngestStats, Source, Tokens, UsageRecord};
use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use serde_json::{json, Value};

/// `cases` cases from a fixed seed, so every run of the suite tries the same inputs; the
/// PROPTEST_ variables override both.
fn config(cases: u32) -> ProptestConfig {
    let mut c = ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        c.cases = cases;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        c.rng_seed = RngSeed::Fixed(11);
    }
    c
}

/// What a prompt or response holds in these tests: it must never reach a message.
const SECRET: &str = "SECRET-PROMPT";

/// The (request id, tokens) of each record read, in order.
#[derive(Default)]
struct Collect(Vec<(String, Tokens)>);

impl Sink for Collect {
    fn record(&mut self, r: &UsageRecord) {
        self.0.push((r.request_id.to_string(), r.tokens));
    }
    fn merge(&mut self, other: Self) {
        self.0.extend(other.0);
    }
}

/// One file's bytes through the reader (layout and gzip detection, lines or documents, records).
fn read(bytes: Vec<u8>) -> (Vec<(String, Tokens)>, IngestStats, Diagnostics) {
    let src = Source::Memory {
        name: "fuzz.jsonl".into(),
        data: Arc::new(bytes),
    };
    let (mut stats, mut diags) = (IngestStats::default(), Diagnostics::default());
    let sink = ingest(
        &[src],
        Collect::default,
        &IngestOptions::default(),
        &mut stats,
        &mut diags,
    );
    (sink.0, stats, diags)
}

/// What holds for any input: every record read reached the sink, every line or event that
/// could not be used and every file problem has its diagnostic, the shown ones are few, and
/// none quotes a prompt.
fn accounted(sink: &[(String, Tokens)], st: &IngestStats, dg: &Diagnostics) {
    assert_eq!(sink.len() as u64, st.records);
    assert_eq!(
        dg.total,
        st.skipped_lines + st.file_errors,
        "{:?}",
        dg.shown
    );
    assert!(dg.shown.len() <= 10);
    for d in &dg.shown {
        assert!(
            !d.message.contains(SECRET) && !d.location.contains(SECRET),
            "{d:?}"
        );
        assert!(!d.message.contains('\n'), "{d:?}");
    }
    for (_, t) in sink {
        for n in [t.input, t.output, t.cache_read, t.cache_write] {
            assert!(n <= MAX_TOKENS);
        }
    }
}

/// A valid invocation record and the tokens it must read as.
#[derive(Debug, Clone)]
struct Valid {
    line: String,
    id: String,
    tokens: Tokens,
    /// Plain enough for the fast scanner: not a CloudWatch event, counts written as integers,
    /// no escape in a field it keeps.
    fast: bool,
}

/// The largest count of one kind in a valid record: the four kinds together stay within
/// the per-request bound.
const MAX_ONE: u64 = MAX_TOKENS / 4;

/// A token count, written as an integer or (whole) as a float; absent when `None`.
fn count() -> impl Strategy<Value = Option<(u64, bool)>> {
    prop::option::of((
        prop_oneof![0..1000u64, 0..=MAX_ONE, Just(MAX_ONE)],
        any::<bool>(),
    ))
}

fn number((n, float): (u64, bool)) -> Value {
    if float {
        json!(n as f64)
    } else {
        json!(n)
    }
}

prop_compose! {
    fn valid()(
        id in "[a-z0-9-]{1,36}",
        model in "(us\\.|eu\\.|global\\.)?[a-z]{2,9}\\.[a-z0-9-]{1,24}(:[0-9])?",
        region in prop::sample::select(vec!["us-east-1", "eu-west-1", "ap-south-1"]),
        secs in 946_684_800i64..4_102_444_799,
        input in (0..=MAX_ONE, any::<bool>()),
        output in count(),
        cache_read in count(),
        cache_write in count(),
        failed in any::<bool>(),
        prompt in ".{0,40}",
        meta in prop::collection::btree_map("[a-z]{1,8}", ".{0,12}", 0..3),
        wrapped in any::<bool>(),
    ) -> Valid {
        let ts = chrono::DateTime::from_timestamp(secs, 0).unwrap();
        let mut input_obj = json!({
            "inputContentType": "application/json",
            "inputBodyJson": {"messages": [{"role": "user", "content": format!("{SECRET} {prompt}")}]},
            "inputTokenCount": number(input),
        });
        if let Some(c) = cache_read {
            input_obj["cacheReadInputTokenCount"] = number(c);
        }
        if let Some(c) = cache_write {
            input_obj["cacheWriteInputTokenCount"] = number(c);
        }
        let mut rec = json!({
            "schemaType": "ModelInvocationLog",
            "schemaVersion": "1.0",
            "timestamp": ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "accountId": "123456789012",
            "identity": {"arn": "arn:aws:sts::123456789012:assumed-role/app/x"},
            "region": region,
            "requestId": id,
            "operation": "Converse",
            "modelId": model,
            "requestMetadata": meta,
            "input": input_obj,
        });
        if let Some(o) = output {
            rec["output"] = json!({"outputBodyJson": {"text": SECRET}, "outputTokenCount": number(o)});
        }
        if failed {
            rec["errorCode"] = json!("ThrottlingException");
        }
        let line = if wrapped {
            json!({"timestamp": secs * 1000, "message": rec.to_string()}).to_string()
        } else {
            rec.to_string()
        };
        let tokens = Tokens {
            input: input.0,
            output: output.map_or(0, |o| o.0),
            cache_read: cache_read.map_or(0, |c| c.0),
            cache_write: cache_write.map_or(0, |c| c.0),
        };
        let escaped = |t: &str| t.chars().any(|c| c == '"' || c == '\\' || c < ' ');
        let counts = [Some(input), output, cache_read, cache_write];
        let fast = !wrapped
            && counts.iter().flatten().all(|(_, float)| !float)
            && !meta.iter().any(|(k, v)| escaped(k) || escaped(v));
        Valid { line, id, tokens, fast }
    }
}

/// How a file of valid records is laid out.
#[derive(Debug, Clone, Copy)]
enum Layout {
    Lines { crlf: bool, bom: bool },
    EventsDocument,
    Array,
    Gzip,
}

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        (any::<bool>(), any::<bool>()).prop_map(|(crlf, bom)| Layout::Lines { crlf, bom }),
        Just(Layout::EventsDocument),
        Just(Layout::Array),
        Just(Layout::Gzip),
    ]
}

fn file(records: &[Valid], layout: Layout) -> Vec<u8> {
    let lines: Vec<&str> = records.iter().map(|r| r.line.as_str()).collect();
    match layout {
        Layout::Lines { crlf, bom } => {
            let mut text = if bom {
                "\u{feff}".to_string()
            } else {
                String::new()
            };
            text.push_str(&lines.join(if crlf { "\r\n" } else { "\n" }));
            text.push('\n');
            text.into_bytes()
        }
        Layout::EventsDocument => {
            let events: Vec<Value> = lines
                .iter()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            serde_json::to_vec_pretty(&json!({"nextToken": "x", "events": events})).unwrap()
        }
        Layout::Array => format!("[{}]", lines.join(",\n")).into_bytes(),
        Layout::Gzip => {
            let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
            gz.write_all(lines.join("\n").as_bytes()).unwrap();
            gz.finish().unwrap()
        }
    }
}

/// A change to one byte range of a record line.
#[derive(Debug, Clone)]
enum Mutation {
    Replace(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let byte = prop_oneof![
        prop::sample::select(b"{}[]\",:0123456789-.eE \n\\tnul".to_vec()),
        any::<u8>(),
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Mutation::Replace(i, b)),
        (any::<prop::sample::Index>(), byte).prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), 1..12usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(line: &str, m: &Mutation) -> Vec<u8> {
    let mut b = line.as_bytes().to_vec();
    match m {
        Mutation::Replace(i, x) => {
            let i = i.index(b.len());
            b[i] = *x;
        }
        Mutation::Insert(i, x) => b.insert(i.index(b.len() + 1), *x),
        Mutation::Delete(i, n) => {
            let i = i.index(b.len());
            b.drain(i..(i + n).min(b.len()));
        }
        Mutation::Truncate(i) => b.truncate(i.index(b.len())),
    }
    b
}

proptest! {
    #![proptest_config(config(256))]

    /// Valid records, in every layout the reader takes, read back exactly: same requests, same
    /// tokens, nothing skipped or said.
    #[test]
    fn valid_records_read_back_exactly(records in prop::collection::vec(valid(), 1..6), layout in layout()) {
        let (sink, st, dg) = read(file(&records, layout));
        accounted(&sink, &st, &dg);
        prop_assert_eq!(dg.total, 0, "{:?}", dg.shown);
        let expected: Vec<(String, Tokens)> = records.iter().map(|r| (r.id.clone(), r.tokens)).collect();
        prop_assert_eq!(sink, expected);
    }

    /// A mutated record is read (its counts within bounds) or rejected with a diagnostic that
    /// never quotes it; the valid record on the next line is still read exactly, unless the
    /// mutation made the file look like a JSON document (`[` first, or `{` alone on line 1).
    #[test]
    fn a_mutated_record_is_read_or_said(
        (rec, next) in (valid(), valid()).prop_filter("distinct ids", |(a, b)| a.id != b.id),
        m in mutation(),
    ) {
        let mutated = mutate(&rec.line, &m);
        let first = mutated.trim_ascii_start();
        let document = first.starts_with(b"[")
            || first.split(|b| *b == b'\n').next().map(<[u8]>::trim_ascii) == Some(&b"{"[..]);
        let mut bytes = mutated.clone();
        bytes.push(b'\n');
        bytes.extend_from_slice(next.line.as_bytes());
        let (sink, st, dg) = read(bytes);
        accounted(&sink, &st, &dg);
        prop_assert!(st.records + st.skipped_lines + st.file_errors >= 1);
        if !document {
            prop_assert_eq!(sink.last(), Some(&(next.id.clone(), next.tokens)));
        }
    }

    /// Any bytes at all, plain, as a document or behind the gzip magic: no panic, all accounted.
    #[test]
    fn arbitrary_bytes_are_accounted_for(
        prefix in prop::sample::select(vec![
            &b""[..], &b"["[..], &b"{\"events\": ["[..], &b"\x1f\x8b"[..], &b"\xef\xbb\xbf{"[..],
        ]),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
    ) {
        let mut all = prefix.to_vec();
        all.extend(bytes);
        let (sink, st, dg) = read(all);
        accounted(&sink, &st, &dg);
    }
}

/// The fast scanner agrees with serde_json: whatever it reads, serde_json reads the same, and
/// it never reads what serde_json refuses (it may leave anything to serde_json).
fn scanner_agrees(text: &str) -> Result<(), TestCaseError> {
    if let Some(fast) = scan::record(text) {
        match serde_json::from_str::<RawRecord>(text) {
            Ok(reference) => prop_assert_eq!(fast, reference, "{}", text),
            Err(e) => prop_assert!(
                false,
                "scanner read what serde_json refuses ({}): {}",
                e,
                text
            ),
        }
    }
    Ok(())
}

/// The record's field names (and some that are not), nested where the schema nests.
fn field_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "schemaType",
        "schemaVersion",
        "timestamp",
        "accountId",
        "identity",
        "arn",
        "region",
        "requestId",
        "operation",
        "modelId",
        "requestMetadata",
        "input",
        "inputBodyJson",
        "inputTokenCount",
        "cacheReadInputTokenCount",
        "cacheWriteInputTokenCount",
        "output",
        "outputTokenCount",
        "errorCode",
        "inferenceRegion",
        "message",
        "other",
        "modelid",
    ])
}

/// A JSON value as text, of any kind, sometimes spaced out.
fn any_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        json_value().prop_map(|v| v.to_string()),
        prop::sample::select(vec![
            "0",
            "12",
            "12.0",
            "-3",
            "1e3",
            "007",
            "18446744073709551616",
            "999999999999999999",
            "\"a\\\"b\"",
            "\"\\u00e9\"",
            "\"2026-10-10T05:20:58Z\"",
            "null",
            "true",
            "[]",
            "{}",
        ])
        .prop_map(String::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop::collection::vec((field_name(), inner, any::<bool>()), 0..5).prop_map(|fields| {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v, spaced)| {
                    if *spaced {
                        format!(" \"{k}\" :\t{v} ")
                    } else {
                        format!("\"{k}\":{v}")
                    }
                })
                .collect();
            format!("{{{}}}", body.join(","))
        })
    })
}

proptest! {
    #![proptest_config(config(512))]

    /// Valid records, mutated or not: the scanner reads them as serde_json does, or leaves them.
    #[test]
    fn the_scanner_reads_records_as_serde_does(rec in valid(), m in prop::option::of(mutation())) {
        // Not vacuous: a plain record (not a CloudWatch event, no escape in its metadata) is the
        // scanner's to read.
        if m.is_none() && rec.fast {
            prop_assert!(scan::record(&rec.line).is_some(), "{}", rec.line);
        }
        let bytes = m.map_or_else(|| rec.line.clone().into_bytes(), |m| mutate(&rec.line, &m));
        if let Ok(text) = std::str::from_utf8(&bytes) {
            scanner_agrees(text)?;
        }
    }

    /// Objects of the schema's fields (repeated, nested, of every kind and spacing): the same.
    #[test]
    fn the_scanner_reads_any_object_as_serde_does(
        fields in prop::collection::vec((field_name(), any_value()), 0..12),
    ) {
        let body: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        scanner_agrees(&format!("{{{}}}", body.join(",")))?;
    }
}

/// Longest message the checker may print, and how many.
const MAX_MESSAGE: usize = 300;

/// What holds for any body: one line per problem, terminal-safe, each short, and few of them.
fn bounded(errs: &[String]) {
    assert!(
        errs.len() <= validate::MAX_PROBLEMS + 1,
        "{} messages",
        errs.len()
    );
    for e in errs {
        assert!(e.chars().count() <= MAX_MESSAGE, "{} chars: {e}", e.len());
        assert!(!e.chars().any(char::is_control), "{e:?}");
    }
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,20}".prop_map(Value::from),
        prop::sample::select(vec![
            "metric",
            "text",
            "log",
            "SOURCE 'g'",
            "m1*2",
            "x",
            "us-east-1"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "widgets",
                    "type",
                    "x",
                    "y",
                    "width",
                    "height",
                    "properties",
                    "title",
                    "region",
                    "metrics",
                    "id",
                    "expression",
                    "query",
                    "markdown",
                    "period",
                ])
                .prop_map(String::from),
                inner,
                0..8
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Text as a hand-written body might hold it: ids, expressions, control characters, long runs.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-zA-Z0-9_]{0,6}",
        "[a-z0-9 *+()\\[\\],\"'A-Z]{0,30}",
        ".{0,30}",
        ("[a-z]", 100..3000usize).prop_map(|(c, n)| c.repeat(n)),
        "[\\x00-\\x1f\\x7f\u{202e}a]{1,10}",
    ]
}

fn position() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => (-2..30i64).prop_map(Value::from),
        1 => any::<i64>().prop_map(Value::from),
        1 => Just(Value::Null),
        1 => Just(json!(1.5)),
    ]
}

fn metric_row() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(text(), 0..5),
        prop::option::of(text()),
        prop::option::of(text()),
    )
        .prop_map(|(strings, id, expr)| {
            let mut row: Vec<Value> = strings.into_iter().map(Value::from).collect();
            let mut opts = serde_json::Map::new();
            if let Some(id) = id {
                opts.insert("id".into(), id.into());
            }
            if let Some(e) = expr {
                opts.insert("expression".into(), e.into());
            }
            row.push(Value::Object(opts));
            Value::from(row)
        })
}

fn widget() -> impl Strategy<Value = Value> {
    (
        (position(), position(), position(), position()),
        prop::sample::select(vec!["metric", "text", "log", "alarm", "bogus\u{1b}[2J"]),
        prop::option::of(text()),
        prop::collection::vec(metric_row(), 0..6),
        prop::option::of(text()),
    )
        .prop_map(|((x, y, w, h), kind, title, metrics, query)| {
            json!({"type": kind, "x": x, "y": y, "width": w, "height": h,
                   "properties": {"title": title, "region": "us-east-1", "period": 300,
                                  "metrics": metrics, "query": query, "markdown": "m"}})
        })
}

proptest! {
    #![proptest_config(config(256))]

    /// Any JSON at all: no panic, bounded messages.
    #[test]
    fn any_json_body_is_checked_boundedly(body in json_value()) {
        bounded(&validate::check(&body));
        bounded(&validate::check(&json!({"widgets": [body]})));
    }

    /// Widget grids as a hand-written body might hold them: no panic, bounded messages.
    #[test]
    fn widget_grids_are_checked_boundedly(widgets in prop::collection::vec(widget(), 0..40)) {
        bounded(&validate::check(&json!({"widgets": widgets})));
    }

    /// Widgets tiled without gaps or overlaps on the 24-column grid are valid: the checker
    /// raises nothing about a good body.
    #[test]
    fn tiled_text_widgets_pass(sizes in prop::collection::vec((1..=24i64, 1..=20i64), 0..60)) {
        let (mut x, mut y, mut row_h) = (0, 0, 0);
        let mut widgets = vec![];
        for (w, h) in sizes {
            if x + w > 24 {
                (x, y, row_h) = (0, y + row_h, 0);
            }
            widgets.push(json!({"type": "text", "x": x, "y": y, "width": w, "height": h,
                                "properties": {"markdown": "m"}}));
            x += w;
            row_h = row_h.max(h);
        }
        let errs = validate::check(&json!({"widgets": widgets}));
        prop_assert!(errs.is_empty(), "{errs:?}");
    }
}
