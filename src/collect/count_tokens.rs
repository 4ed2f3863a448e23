//! `plan --sample`: sample request bodies (JSONL) read without ever quoting them, and their input
//! tokens counted per model by Bedrock's CountTokens (read-only and free: nothing is invoked), or
//! estimated offline at four bytes of prompt text a token.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;

use aws_sdk_bedrockruntime::config::http::HttpResponse;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::count_tokens::CountTokensError;
use aws_sdk_bedrockruntime::primitives::Blob;
use aws_sdk_bedrockruntime::types::{
    self as t, CachePointBlock, CachePointType, ContentBlock, ConversationRole,
    ConverseTokensRequest, CountTokensInput, InvokeModelTokensRequest, Message, SystemContentBlock,
};
use aws_sdk_bedrockruntime::Client;
use serde_json::{Map, Value};
use tokio::task::JoinSet;

use super::aws::fault::{describe, Failure};
use super::aws::AwsArgs;

/// CountTokens calls in flight at once, per model.
pub const CONCURRENCY: usize = 4;

/// One sample request body from a --sample file (JSONL: one Converse request body or one
/// InvokeModel request body per line).
#[derive(Clone)]
pub struct Sample {
    /// 1-based line in the file.
    pub line: usize,
    pub kind: SampleKind,
    /// UTF-8 bytes of prompt text (see `estimate`).
    prompt_bytes: u64,
    /// What CountTokens is sent; `None` when the sample holds Converse blocks this reader does
    /// not send (images, documents, video, reasoning...): the caller estimates it instead.
    input: Option<CountTokensInput>,
}

/// Prompts are customer data: a sample's debug form shows where it is, never what it says.
impl fmt::Debug for Sample {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("Sample")
            .field("line", &self.line)
            .field("kind", &self.kind)
            .field("countable", &self.countable())
            .finish_non_exhaustive()
    }
}

impl Sample {
    /// Whether `count` sends it (else its entry in `Counted` is `None`).
    pub fn countable(&self) -> bool {
        self.input.is_some()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleKind {
    /// A Converse request body: `messages` of content blocks (`{"text": ...}`), maybe `system`.
    Converse,
    /// A model-native InvokeModel body (Anthropic Messages, Titan `inputText`, Llama `prompt`...),
    /// sent as written.
    InvokeModel,
}

impl SampleKind {
    pub fn name(self) -> &'static str {
        match self {
            SampleKind::Converse => "converse",
            SampleKind::InvokeModel => "invoke_model",
        }
    }
}

/// The answer of `count` for one model.
#[derive(Debug, Clone, PartialEq)]
pub enum CountOutcome {
    /// Input tokens per sample, in the samples' order; `None` for a sample not sent (see
    /// `Sample::countable`), which the caller estimates.
    Counted(Vec<Option<u64>>),
    /// The model does not support CountTokens: the reason, in words, without request content.
    NotSupported(String),
    /// The call failed: AccessDenied (hint: `bedrock:CountTokens`, `iam-policy`), throttling that
    /// outlasted the retries, refused credentials, a sample the model refused...
    Failed(Failure),
}

/// Reads a JSONL file of request bodies. Blank lines are skipped. A line is a Converse body when
/// its `messages` hold `content` arrays of Converse blocks (objects without a `"type"`, which
/// marks the Anthropic and OpenAI formats) and it has no `anthropic_version` or `schemaVersion`
/// (Nova's native body, alike but for that); any other JSON object is an InvokeModel body.
///
/// Errors name the file, the line and the field, and never quote the line: prompts are customer
/// data.
pub fn read_samples(path: &Path) -> Result<Vec<Sample>, String> {
    let name = crate::io::clean(&path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    let mut out = vec![];
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        let at = |what: String| format!("{name}:{line}: {what}");
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|e| {
            at(format!(
                "not UTF-8 text (invalid byte at column {})",
                e.valid_up_to() + 1
            ))
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let value: Value = serde_json::from_str(text).map_err(|e| at(syntax(&e)))?;
        let Value::Object(body) = value else {
            return Err(at(
                "not a JSON object (each line is one request body: a Converse \
                 request or an InvokeModel body)"
                    .into(),
            ));
        };
        let sample = if looks_converse(&body) {
            let (request, prompt_bytes) = converse(&body).map_err(at)?;
            Sample {
                line,
                kind: SampleKind::Converse,
                prompt_bytes,
                input: request.map(CountTokensInput::Converse),
            }
        } else {
            let mut prompt_bytes = 0;
            for (k, v) in &body {
                native_text(k, v, &mut prompt_bytes);
            }
            let request = InvokeModelTokensRequest::builder()
                .body(Blob::new(raw.to_vec()))
                .build()
                .ok();
            Sample {
                line,
                kind: SampleKind::InvokeModel,
                prompt_bytes,
                input: request.map(CountTokensInput::InvokeModel),
            }
        };
        out.push(sample);
    }
    Ok(out)
}

/// A JSON syntax error by position only (serde_json's own words may quote the input).
fn syntax(e: &serde_json::Error) -> String {
    match e.classify() {
        serde_json::error::Category::Eof => "not valid JSON (the line ends inside a value)".into(),
        _ => format!("not valid JSON (error at column {})", e.column()),
    }
}

fn looks_converse(body: &Map<String, Value>) -> bool {
    if body.contains_key("anthropic_version") || body.contains_key("schemaVersion") {
        return false;
    }
    let Some(Value::Array(messages)) = body.get("messages") else {
        return false;
    };
    let contents: Vec<&Vec<Value>> = messages
        .iter()
        .filter_map(|m| m.get("content")?.as_array())
        .collect();
    !contents.is_empty()
        && contents
            .iter()
            .flat_map(|c| c.iter())
            .all(|b| b.get("type").is_none())
}

/// Offline estimate of a sample's input tokens: the UTF-8 bytes of its prompt text divided by
/// four, rounded up. Prompt text is, for a Converse body, every `text` of the messages' content
/// blocks (tool results' text included) and of `system`; for an InvokeModel body, every string
/// value (keys never) except those of fields that are not prompt text: `anthropic_version`,
/// `anthropic_beta`, `schemaVersion`, `model`, `role`, `type`, `id`, `tool_use_id`,
/// `toolUseId`, `stop_sequences`, `stopSequences`, `format`, `media_type`, and the base64 of
/// images and documents (`data`, `bytes`). Four bytes a token is the usual rule for English
/// text; other languages, code and images differ, so the caller labels it an estimate.
pub fn estimate(s: &Sample) -> u64 {
    s.prompt_bytes.div_ceil(4)
}

const NOT_PROMPT: &[&str] = &[
    "anthropic_version",
    "anthropic_beta",
    "schemaVersion",
    "model",
    "role",
    "type",
    "id",
    "tool_use_id",
    "toolUseId",
    "stop_sequences",
    "stopSequences",
    "format",
    "media_type",
    "data",
    "bytes",
];

fn native_text(key: &str, v: &Value, bytes: &mut u64) {
    if NOT_PROMPT.contains(&key) {
        return;
    }
    match v {
        Value::String(s) => *bytes += s.len() as u64,
        Value::Array(a) => a.iter().for_each(|x| native_text("", x, bytes)),
        Value::Object(o) => o.iter().for_each(|(k, x)| native_text(k, x, bytes)),
        _ => {}
    }
}

/// Counts each sample's input tokens for one model with Bedrock's CountTokens (read-only;
/// `bedrock:CountTokens`), in the samples' order, a few calls at a time. CountTokens takes
/// foundation-model ids only: a cross-region profile id (`us.`, `eu.`, `global.`...) is counted
/// as its model, whose tokenizer it shares. The first failure ends the model's counting.
pub async fn count(
    client: &Client,
    region: &str,
    model_id: &str,
    samples: &[Sample],
) -> CountOutcome {
    let model = foundation_model(model_id).to_string();
    let mut counts: Vec<Option<u64>> = vec![None; samples.len()];
    let mut todo = samples
        .iter()
        .enumerate()
        .filter_map(|(i, s)| Some((i, s.input.clone()?)));
    type Answer = Result<i32, SdkError<CountTokensError, HttpResponse>>;
    let mut tasks: JoinSet<(usize, Answer)> = JoinSet::new();
    loop {
        while tasks.len() < CONCURRENCY {
            let Some((i, input)) = todo.next() else { break };
            let (c, m) = (client.clone(), model.clone());
            tasks.spawn(async move {
                let r = c.count_tokens().model_id(m).input(input).send().await;
                (i, r.map(|o| o.input_tokens()))
            });
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        match joined {
            Ok((i, Ok(n))) => counts[i] = Some(u64::try_from(n).unwrap_or(0)),
            // Dropping `tasks` cancels the calls still in flight.
            Ok((i, Err(e))) => return refused(region, samples[i].line, &e),
            Err(e) => {
                return CountOutcome::Failed(Failure {
                    source: "count-tokens".into(),
                    region: Some(region.to_string()),
                    call: "bedrock:CountTokens".into(),
                    message: format!("a call did not complete: {e}"),
                    hint: None,
                })
            }
        }
    }
    CountOutcome::Counted(counts)
}

/// The model id without a cross-region inference profile's prefix.
fn foundation_model(id: &str) -> &str {
    const GEOS: &[&str] = &[
        "global.", "us-gov.", "us.", "eu.", "apac.", "jp.", "au.", "ca.",
    ];
    GEOS.iter().find_map(|g| id.strip_prefix(g)).unwrap_or(id)
}

/// A refused call: the model cannot count tokens (ValidationException saying so), or a failure
/// in the words of the other collectors, with hints fit for `plan --sample`.
fn refused<R: fmt::Debug>(
    region: &str,
    line: usize,
    e: &SdkError<CountTokensError, R>,
) -> CountOutcome {
    let code = e.code().unwrap_or("");
    let said = crate::io::clean(e.message().unwrap_or(""));
    let lower = said.to_ascii_lowercase();
    if code == "ValidationException" && lower.contains("support") && lower.contains("count") {
        // Bedrock's own words are not repeated: a ValidationException can quote the request.
        return CountOutcome::NotSupported(format!(
            "Bedrock's CountTokens does not count tokens for this model ({code})"
        ));
    }
    let mut f = describe("count-tokens", Some(region), "bedrock", "CountTokens", e);
    if code == "ValidationException" {
        // Bedrock's text for a malformed body can quote the request: it is not repeated.
        f.message = format!(
            "the sample on line {line} was refused as invalid for this model (ValidationException; Bedrock's message is not shown, as it can quote the prompt)"
        );
        f.hint = Some(
            "an InvokeModel sample must be in the body format of the model it is counted for; \
             to count one prompt for several models, write it as a Converse request"
                .into(),
        );
    } else if code.contains("Throttl") || code == "TooManyRequestsException" {
        f.hint = Some("run again later, or with fewer samples or models".into());
    }
    CountOutcome::Failed(f)
}

/// A client for a region from the same AWS options as collect (--profile, --endpoint-url).
pub async fn client(args: &AwsArgs, region: &str) -> Client {
    Client::new(&super::aws::config(args, Some(region)).await)
}

// A Converse body as the SDK's request. Errors are `field: problem`, never a value.

type Read<T> = Result<T, String>;

/// The request (`None` if a block is of a kind not sent) and the prompt text's bytes.
fn converse(body: &Map<String, Value>) -> Read<(Option<ConverseTokensRequest>, u64)> {
    let mut bytes = 0;
    let mut sendable = true;
    let mut req = ConverseTokensRequest::builder();
    let messages = body["messages"]
        .as_array()
        .expect("checked by looks_converse");
    for (i, m) in messages.iter().enumerate() {
        let path = format!("messages[{i}]");
        let m = object(m, &path)?;
        let role = match m.get("role").and_then(Value::as_str) {
            Some("user") => ConversationRole::User,
            Some("assistant") => ConversationRole::Assistant,
            _ => return Err(format!("{path}.role: expected \"user\" or \"assistant\"")),
        };
        let Some(Value::Array(content)) = m.get("content") else {
            return Err(format!(
                "{path}.content: expected an array of content blocks"
            ));
        };
        let mut blocks = vec![];
        for (j, b) in content.iter().enumerate() {
            match block(b, &format!("{path}.content[{j}]"), &mut bytes)? {
                Some(b) => blocks.push(b),
                None => sendable = false,
            }
        }
        let message = Message::builder()
            .role(role)
            .set_content(Some(blocks))
            .build()
            .map_err(|e| format!("{path}: {e}"))?;
        req = req.messages(message);
    }
    if let Some(system) = body.get("system") {
        let Value::Array(system) = system else {
            return Err("system: expected an array of blocks such as {\"text\": ...}".into());
        };
        for (j, b) in system.iter().enumerate() {
            let path = format!("system[{j}]");
            let o = object(b, &path)?;
            if o.contains_key("text") {
                let text = string(o, "text", &path)?;
                bytes += text.len() as u64;
                req = req.system(SystemContentBlock::Text(text.to_string()));
            } else if o.contains_key("cachePoint") {
                req = req.system(SystemContentBlock::CachePoint(cache_point()));
            } else {
                sendable = false;
            }
        }
    }
    if let Some(tc) = body.get("toolConfig") {
        match tool_config(tc)? {
            Some(tc) => req = req.tool_config(tc),
            None => sendable = false,
        }
    }
    if let Some(extra) = body.get("additionalModelRequestFields") {
        req = req.additional_model_request_fields(document(extra));
    }
    Ok((sendable.then(|| req.build()), bytes))
}

fn object<'a>(v: &'a Value, path: &str) -> Read<&'a Map<String, Value>> {
    v.as_object()
        .ok_or_else(|| format!("{path}: expected an object"))
}

fn string<'a>(o: &'a Map<String, Value>, key: &str, path: &str) -> Read<&'a str> {
    o.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{path}.{key}: expected a string"))
}

fn cache_point() -> CachePointBlock {
    CachePointBlock::builder()
        .r#type(CachePointType::Default)
        .build()
        .expect("type is set")
}

/// One content block; `None` for a kind not sent (image, document, video, reasoning...).
fn block(b: &Value, path: &str, bytes: &mut u64) -> Read<Option<ContentBlock>> {
    let o = object(b, path)?;
    if o.len() != 1 {
        return Err(format!(
            "{path}: a content block has exactly one member (text, image, toolUse...)"
        ));
    }
    if o.contains_key("text") {
        let text = string(o, "text", path)?;
        *bytes += text.len() as u64;
        return Ok(Some(ContentBlock::Text(text.to_string())));
    }
    if o.contains_key("cachePoint") {
        return Ok(Some(ContentBlock::CachePoint(cache_point())));
    }
    if let Some(u) = o.get("toolUse") {
        let path = format!("{path}.toolUse");
        let u = object(u, &path)?;
        let input = u.get("input").ok_or(format!("{path}.input: missing"))?;
        let block = t::ToolUseBlock::builder()
            .tool_use_id(string(u, "toolUseId", &path)?)
            .name(string(u, "name", &path)?)
            .input(document(input))
            .build()
            .map_err(|e| format!("{path}: {e}"))?;
        return Ok(Some(ContentBlock::ToolUse(block)));
    }
    if let Some(r) = o.get("toolResult") {
        let path = format!("{path}.toolResult");
        let r = object(r, &path)?;
        let Some(Value::Array(items)) = r.get("content") else {
            return Err(format!("{path}.content: expected an array"));
        };
        let mut content = vec![];
        for (k, item) in items.iter().enumerate() {
            let ipath = format!("{path}.content[{k}]");
            let item = object(item, &ipath)?;
            if item.contains_key("text") {
                let text = string(item, "text", &ipath)?;
                *bytes += text.len() as u64;
                content.push(t::ToolResultContentBlock::Text(text.to_string()));
            } else if let Some(j) = item.get("json") {
                content.push(t::ToolResultContentBlock::Json(document(j)));
            } else {
                return Ok(None);
            }
        }
        let status = match r.get("status").and_then(Value::as_str) {
            Some("error") => Some(t::ToolResultStatus::Error),
            Some("success") => Some(t::ToolResultStatus::Success),
            _ => None,
        };
        let block = t::ToolResultBlock::builder()
            .tool_use_id(string(r, "toolUseId", &path)?)
            .set_content(Some(content))
            .set_status(status)
            .build()
            .map_err(|e| format!("{path}: {e}"))?;
        return Ok(Some(ContentBlock::ToolResult(block)));
    }
    Ok(None)
}

/// `toolConfig`: tool specifications and the tool choice; `None` for kinds not sent.
fn tool_config(v: &Value) -> Read<Option<t::ToolConfiguration>> {
    let o = object(v, "toolConfig")?;
    let Some(Value::Array(tools)) = o.get("tools") else {
        return Err("toolConfig.tools: expected an array".into());
    };
    let mut cfg = t::ToolConfiguration::builder();
    for (i, tool) in tools.iter().enumerate() {
        let path = format!("toolConfig.tools[{i}]");
        let tool = object(tool, &path)?;
        if let Some(spec) = tool.get("toolSpec") {
            let path = format!("{path}.toolSpec");
            let spec = object(spec, &path)?;
            let schema = spec
                .get("inputSchema")
                .and_then(|s| s.get("json"))
                .ok_or(format!("{path}.inputSchema.json: missing"))?;
            let spec = t::ToolSpecification::builder()
                .name(string(spec, "name", &path)?)
                .set_description(
                    spec.get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                )
                .input_schema(t::ToolInputSchema::Json(document(schema)))
                .build()
                .map_err(|e| format!("{path}: {e}"))?;
            cfg = cfg.tools(t::Tool::ToolSpec(spec));
        } else if tool.contains_key("cachePoint") {
            cfg = cfg.tools(t::Tool::CachePoint(cache_point()));
        } else {
            return Ok(None);
        }
    }
    if let Some(choice) = o.get("toolChoice") {
        let choice = object(choice, "toolChoice")?;
        let choice = if choice.contains_key("auto") {
            t::ToolChoice::Auto(t::AutoToolChoice::builder().build())
        } else if choice.contains_key("any") {
            t::ToolChoice::Any(t::AnyToolChoice::builder().build())
        } else if let Some(Value::Object(tool)) = choice.get("tool") {
            let name = string(tool, "name", "toolChoice.tool")?;
            t::ToolChoice::Tool(
                t::SpecificToolChoice::builder()
                    .name(name)
                    .build()
                    .map_err(|e| format!("toolChoice.tool: {e}"))?,
            )
        } else {
            return Ok(None);
        };
        cfg = cfg.tool_choice(choice);
    }
    cfg.build()
        .map(Some)
        .map_err(|e| format!("toolConfig: {e}"))
}

/// A JSON value as the SDK's document type, named through its conversions only (the SDK does
/// not re-export it, and depending on aws-smithy-types for one name is not worth it).
fn document<D>(v: &Value) -> D
where
    D: Default + From<bool> + From<String> + From<u64> + From<i64> + From<f64>,
    D: From<Vec<D>> + From<HashMap<String, D>>,
{
    match v {
        Value::Null => D::default(),
        Value::Bool(b) => D::from(*b),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => D::from(u),
            (None, Some(i)) => D::from(i),
            _ => D::from(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => D::from(s.clone()),
        Value::Array(a) => D::from(a.iter().map(document).collect::<Vec<D>>()),
        Value::Object(o) => D::from(
            o.iter()
                .map(|(k, x)| (k.clone(), document(x)))
                .collect::<HashMap<String, D>>(),
        ),
    }
}

#[cfg(test)]
#[path = "count_tokens_tests.rs"]
mod tests;
