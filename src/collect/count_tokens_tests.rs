//! Tests of `count_tokens`: reading samples (kinds, errors that never quote a prompt), the
//! offline estimate (hand-counted bytes) and the Converse requests built for CountTokens.

use std::io::Write;

use super::*;

fn file(lines: &[&str]) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    for l in lines {
        writeln!(f, "{l}").unwrap();
    }
    f
}

fn read(lines: &[&str]) -> Result<Vec<Sample>, String> {
    read_samples(file(lines).path())
}

const CONVERSE: &str = r#"{"system":[{"text":"You are terse."}],"messages":[{"role":"user","content":[{"text":"héllo"}]},{"role":"assistant","content":[{"text":"abc"}]}],"inferenceConfig":{"maxTokens":10}}"#;
const ANTHROPIC: &str = r#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":100,"system":"Be brief.","messages":[{"role":"user","content":[{"type":"text","text":"What is 2+2?"}]}]}"#;
const TITAN: &str = r#"{"inputText":"Hello world","textGenerationConfig":{"maxTokenCount":50,"stopSequences":["User:"]}}"#;
const NOVA: &str =
    r#"{"schemaVersion":"messages-v1","messages":[{"role":"user","content":[{"text":"Hi"}]}]}"#;
const IMAGE: &str = r#"{"messages":[{"role":"user","content":[{"text":"What is this?"},{"image":{"format":"png","source":{"bytes":"iVBORw0KGgo="}}}]}]}"#;

#[test]
fn lines_are_converse_or_invoke_model_bodies() {
    let s = read(&[CONVERSE, "", ANTHROPIC, "  ", TITAN, NOVA, IMAGE]).unwrap();
    let got: Vec<(usize, SampleKind, bool)> =
        s.iter().map(|s| (s.line, s.kind, s.countable())).collect();
    use SampleKind::*;
    assert_eq!(
        got,
        [
            (1, Converse, true),
            (3, InvokeModel, true),
            (5, InvokeModel, true),
            (6, InvokeModel, true),
            // An image block is not sent: the caller estimates the sample.
            (7, Converse, false),
        ]
    );
    // An InvokeModel body is sent exactly as written.
    let body = s[1]
        .input
        .as_ref()
        .unwrap()
        .as_invoke_model()
        .unwrap()
        .body();
    assert_eq!(body.as_ref(), ANTHROPIC.as_bytes());
    // Debug output never shows the prompt.
    assert!(!format!("{:?}", s[0]).contains("terse"));
}

#[test]
fn a_converse_body_becomes_the_sdk_request() {
    let s = read(&[CONVERSE]).unwrap();
    let req = s[0].input.as_ref().unwrap().as_converse().unwrap();
    assert_eq!(
        req.system(),
        [SystemContentBlock::Text("You are terse.".into())]
    );
    let m = req.messages();
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].role(), &ConversationRole::User);
    assert_eq!(m[0].content(), [ContentBlock::Text("héllo".into())]);
    assert_eq!(m[1].role(), &ConversationRole::Assistant);
}

#[test]
fn tool_use_results_and_specs_are_sent() {
    let line = r#"{"messages":[{"role":"user","content":[{"text":"Weather in Paris?"}]},{"role":"assistant","content":[{"toolUse":{"toolUseId":"t1","name":"weather","input":{"city":"Paris","days":-1}}}]},{"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"json":{"c":21.5}},{"text":"sunny"}],"status":"success"}},{"cachePoint":{"type":"default"}}]}],"toolConfig":{"tools":[{"toolSpec":{"name":"weather","description":"Forecast","inputSchema":{"json":{"type":"object","properties":{"city":{"type":"string"}}}}}}],"toolChoice":{"auto":{}}}}"#;
    let s = read(&[line]).unwrap();
    assert_eq!(s[0].kind, SampleKind::Converse);
    let req = s[0].input.as_ref().unwrap().as_converse().unwrap();
    assert_eq!(req.messages().len(), 3);
    let tc = req.tool_config().unwrap();
    assert_eq!(tc.tools().len(), 1);
    assert!(matches!(tc.tool_choice(), Some(t::ToolChoice::Auto(_))));
    // Prompt text: "Weather in Paris?" (17) + the tool result's "sunny" (5).
    assert_eq!(s[0].prompt_bytes, 22);
}

#[test]
fn a_bad_line_names_file_line_and_field_never_the_prompt() {
    let secret = "SECRET-PROMPT-7731";
    let f = file(&[
        CONVERSE,
        "",
        &format!(
            r#"{{"messages":[{{"role":"user","content":[{{"text":"ok"}},{{"text":42}}]}}],"note":"{secret}"}}"#
        ),
    ]);
    let e = read_samples(f.path()).unwrap_err();
    let name = f.path().display().to_string();
    assert_eq!(
        e,
        format!("{name}:3: messages[0].content[1].text: expected a string")
    );
    let cases = [
        (
            format!("{secret} {{"),
            "1: not valid JSON (error at column 1)",
        ),
        (format!(r#"{{"messages": "{secret}"#), "1: not valid JSON"),
        (format!(r#"["{secret}"]"#), "1: not a JSON object"),
        (
            format!(r#"{{"messages":[{{"role":"{secret}","content":[{{"text":"x"}}]}}]}}"#),
            "1: messages[0].role: expected \"user\" or \"assistant\"",
        ),
        (
            format!(
                r#"{{"messages":[{{"role":"user","content":[{{"text":"{secret}","image":{{}}}}]}}]}}"#
            ),
            "1: messages[0].content[0]: a content block has exactly one member",
        ),
        (
            format!(
                r#"{{"system":"{secret}","messages":[{{"role":"user","content":[{{"text":"x"}}]}}]}}"#
            ),
            "1: system: expected an array",
        ),
    ];
    for (line, want) in cases {
        let e = read(&[&line]).unwrap_err();
        assert!(e.contains(want), "{e}");
        assert!(!e.contains(secret), "{e}");
    }
}

#[test]
fn the_estimate_is_prompt_bytes_over_four_rounded_up() {
    let s = read(&[CONVERSE, ANTHROPIC, TITAN, IMAGE]).unwrap();
    // "You are terse." 14 + "héllo" 6 (é is 2 bytes) + "abc" 3 = 23 bytes -> 6 tokens.
    assert_eq!(s[0].prompt_bytes, 23);
    assert_eq!(estimate(&s[0]), 6);
    // "Be brief." 9 + "What is 2+2?" 12 = 21 -> 6; the version, role and type are not prompt.
    assert_eq!(s[1].prompt_bytes, 21);
    assert_eq!(estimate(&s[1]), 6);
    // "Hello world" 11 -> 3; the stop sequence is not prompt.
    assert_eq!(s[2].prompt_bytes, 11);
    assert_eq!(estimate(&s[2]), 3);
    // "What is this?" 13 -> 4; the image's bytes are not text.
    assert_eq!(estimate(&s[3]), 4);
}

#[test]
fn cross_region_profiles_are_counted_as_their_model() {
    assert_eq!(
        foundation_model("us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        "anthropic.claude-haiku-4-5-20251001-v1:0"
    );
    assert_eq!(
        foundation_model("global.anthropic.claude-sonnet-4-5-20250929-v1:0"),
        "anthropic.claude-sonnet-4-5-20250929-v1:0"
    );
    assert_eq!(
        foundation_model("meta.llama3-1-70b-instruct-v1:0"),
        "meta.llama3-1-70b-instruct-v1:0"
    );
}
