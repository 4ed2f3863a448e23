//! Scenario definitions: the names `--scenario` takes, how they compose (`batch+global`), the
//! scenarios file, and the batch-eligibility rules. Parsed once at the border; the rest trusts it.

use std::path::Path;

use rust_decimal::Decimal;

use crate::money::{round_dp, Num};
use serde::{Deserialize, Serialize};

use crate::pricing::aggregate::key_value;
use crate::pricing::Resolution;
use crate::pricing::{CacheTtl, Resolver};
use crate::usage::GroupKey;
use crate::usage::UsageRecord;

/// Which rates a request is priced at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    #[default]
    Standard,
    Batch,
    Flex,
    Priority,
}

/// Move a share of one model's requests to another model (token price effect only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Swap {
    pub from: String,
    pub to: String,
    /// Percent of `from`'s requests moved, 0 < share <= 100.
    pub share_pct: Num,
    #[serde(skip)]
    pub from_idx: usize,
    #[serde(skip)]
    pub to_idx: usize,
    /// Share in basis points (1/100 of a percent).
    #[serde(skip)]
    pub share_bp: i128,
}

/// Prompt caching at an assumed hit rate: `prefix_share` of each request's uncached input is a
/// cacheable prefix; `hit_rate` of those tokens are read from cache, the rest written to it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CacheRate {
    pub hit_rate: Num,
    pub prefix_share: Num,
    pub ttl: CacheTtl,
    #[serde(skip)]
    pub hit_bp: u64,
    #[serde(skip)]
    pub prefix_bp: u64,
}

/// Cross-region profile to move traffic to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    Global,
    Geo,
}

/// A per-request repricing: composable steps applied to every request.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Transform {
    pub tier: Tier,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub swaps: Vec<Swap>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache: Option<CacheRate>,
}

/// Provisioned-throughput commitment term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Term {
    NoCommitment,
    OneMonth,
    SixMonths,
}

impl Term {
    pub fn label(self) -> &'static str {
        match self {
            Term::NoCommitment => "no commitment",
            Term::OneMonth => "1-month commitment",
            Term::SixMonths => "6-month commitment",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Repriced request by request.
    Request(Transform),
    /// Model units sized from the per-minute token peak, overflow on demand.
    Provisioned(Term),
    /// Prompt caching measured from repeated prefixes in the logs.
    Measured(CacheTtl),
    /// Reserved tier: input and output tokens-per-minute reserved at a monthly price.
    Reserved,
}

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub kind: Kind,
    /// Whether it is a change of inference mode for the same model (recommendations consider
    /// only these; a model swap or an assumed hit rate is a what-if, not a recommendation).
    pub recommendable: bool,
}

/// Values `--scenario` takes, for help and errors.
pub const NAMES: &str = "batch, flex, priority, reserved (needs reserved prices in the catalog), global, geo, provisioned (= provisioned-no-commit, provisioned-1m, provisioned-6m), caching (measured from the logs: caching-5m and caching-1h), cache-rate (needs --cache-hit-rate), swap (needs --swap); join with + to compose (batch+global), or a name from --scenarios-file";

/// Names with a built-in meaning, which a scenarios file may not reuse.
const BUILT_IN: &[&str] = &[
    "baseline",
    "batch",
    "flex",
    "priority",
    "reserved",
    "global",
    "geo",
    "provisioned",
    "provisioned-no-commit",
    "provisioned-1m",
    "provisioned-6m",
    "caching",
    "caching-5m",
    "caching-1h",
    "cache-rate",
    "swap",
];

/// The scenarios run when none is asked for.
pub const DEFAULT: &[&str] = &[
    "batch",
    "flex",
    "priority",
    "global",
    "provisioned",
    "caching",
];

/// Options the named scenarios take from flags.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub swaps: Vec<Swap>,
    pub cache_rate: Option<CacheRate>,
}

/// One `[[scenario]]` of a scenarios file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileScenario {
    pub name: String,
    #[serde(default)]
    pub tier: Tier,
    pub profile: Option<Profile>,
    #[serde(default)]
    pub swap: Vec<FileSwap>,
    pub cache_hit_rate: Option<toml::Value>,
    pub cache_prefix_share: Option<toml::Value>,
    pub cache_ttl: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSwap {
    pub from: String,
    pub to: String,
    /// Percent of `from`'s requests moved (default 100).
    pub share: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    scenario: Vec<FileScenario>,
}

pub fn load_file(path: &Path) -> Result<Vec<FileScenario>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: cannot read: {}",
            crate::io::clean(&path.display().to_string()),
            crate::io::io_reason(&e)
        )
    })?;
    let f: ScenarioFile = toml::from_str(&text).map_err(|e| {
        format!(
            "{}: {}",
            path.display(),
            crate::pricing::catalog::toml_error(&e, &text)
        )
    })?;
    for (i, s) in f.scenario.iter().enumerate() {
        let ok = !s.name.is_empty()
            && s.name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !ok {
            return Err(format!(
                "{}: scenario {} has an invalid name (use letters, digits, - and _)",
                path.display(),
                i + 1
            ));
        }
        if BUILT_IN.contains(&s.name.as_str()) {
            return Err(format!(
                "{}: scenario `{}` has the name of a built-in scenario; name it differently",
                path.display(),
                s.name
            ));
        }
        let mut froms: Vec<&str> = s.swap.iter().map(|w| w.from.as_str()).collect();
        froms.sort_unstable();
        if froms.windows(2).any(|w| w[0] == w[1]) {
            return Err(format!(
                "{}: scenario `{}` swaps the same model twice (one swap per model: give its share)",
                path.display(),
                s.name
            ));
        }
        if f.scenario[..i].iter().any(|o| o.name == s.name) {
            return Err(format!(
                "{}: scenario `{}` is defined twice",
                path.display(),
                s.name
            ));
        }
    }
    Ok(f.scenario)
}

/// A percentage or fraction given as `0.6`, `60%` or `60` -> basis points, 0..=10000.
pub fn parse_share(flag: &str, s: &str, fraction: bool) -> Result<(Decimal, i128), String> {
    let t = s.trim();
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, !fraction),
    };
    let d: Decimal = num
        .parse()
        .map_err(|_| format!("{flag} `{s}` is not a number"))?;
    let frac = if pct { d / Decimal::from(100) } else { d };
    if frac < Decimal::ZERO || frac > Decimal::ONE {
        return Err(format!("{flag} `{s}` is outside 0-100%"));
    }
    let bp = round_dp(frac * Decimal::from(10_000), 0);
    let bp: i128 = bp.mantissa() / 10i128.pow(bp.scale());
    Ok((frac, bp))
}

/// `FROM=TO[@PCT]` with catalog keys or any ids that resolve to a catalog model.
pub fn parse_swap(s: &str, resolver: &Resolver) -> Result<Swap, String> {
    let (pair, share) = match s.split_once('@') {
        Some((p, pct)) => (p, Some(pct)),
        None => (s, None),
    };
    let (from, to) = pair
        .split_once('=')
        .ok_or_else(|| format!("--swap `{s}` is not FROM=TO[@PERCENT]"))?;
    let model = |id: &str| -> Result<(usize, String), String> {
        let id = id.trim();
        let idx = resolver
            .catalog()
            .index_of_key(id)
            .or_else(|| resolver.resolve(id).model_idx)
            .ok_or_else(|| format!("--swap: `{id}` is not a model the catalog knows"))?;
        Ok((idx, resolver.catalog().model(idx).key.clone()))
    };
    let (from_idx, from) = model(from)?;
    let (to_idx, to) = model(to)?;
    if from_idx == to_idx {
        return Err(format!("--swap `{s}` moves a model to itself"));
    }
    let (frac, share_bp) = match share {
        Some(p) => {
            let v = parse_share("--swap share", p, false)?;
            // `@0.5` reads as 0.5% but is almost always meant as half: make the user say which.
            if !p.trim().ends_with('%') && v.1 > 0 && v.1 < 100 {
                return Err(format!(
                    "--swap `{s}`: the share is a percent of requests; write @{p}% if you mean {p}%, or e.g. @50 for half"
                ));
            }
            v
        }
        None => (Decimal::ONE, 10_000),
    };
    if share_bp == 0 {
        return Err(format!("--swap `{s}` moves 0% of requests"));
    }
    Ok(Swap {
        from,
        to,
        share_pct: Num((frac * Decimal::from(100)).normalize()),
        from_idx,
        to_idx,
        share_bp,
    })
}

/// Expands `--scenario` values (and the defaults) into scenarios.
pub fn expand(
    names: &[String],
    params: &Params,
    file: &[FileScenario],
    resolver: &Resolver,
    default_ttl: CacheTtl,
) -> Result<Vec<Scenario>, String> {
    let given: Vec<&str> = if names.is_empty() {
        DEFAULT.to_vec()
    } else {
        names
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect()
    };
    if given.is_empty() {
        return Err("--scenario is empty".into());
    }
    let mut out: Vec<Scenario> = vec![];
    for name in given {
        let expanded: Vec<Scenario> = match name {
            "provisioned" => [Term::NoCommitment, Term::OneMonth, Term::SixMonths]
                .into_iter()
                .map(provisioned)
                .collect(),
            "provisioned-no-commit" => vec![provisioned(Term::NoCommitment)],
            "provisioned-1m" => vec![provisioned(Term::OneMonth)],
            "provisioned-6m" => vec![provisioned(Term::SixMonths)],
            "caching" => vec![measured(CacheTtl::FiveMinutes), measured(CacheTtl::OneHour)],
            "caching-5m" => vec![measured(CacheTtl::FiveMinutes)],
            "caching-1h" => vec![measured(CacheTtl::OneHour)],
            "reserved" => vec![Scenario {
                name: "reserved".into(),
                kind: Kind::Reserved,
                recommendable: true,
            }],
            _ => match file.iter().find(|f| f.name == name) {
                Some(f) => vec![from_file(f, resolver, default_ttl)?],
                None => vec![composed(name, params)?],
            },
        };
        for s in expanded {
            if out.iter().any(|o| o.name == s.name) {
                return Err(format!("scenario `{}` is asked for twice", s.name));
            }
            out.push(s);
        }
    }
    Ok(out)
}

fn provisioned(t: Term) -> Scenario {
    let name = match t {
        Term::NoCommitment => "provisioned-no-commit",
        Term::OneMonth => "provisioned-1m",
        Term::SixMonths => "provisioned-6m",
    };
    Scenario {
        name: name.into(),
        kind: Kind::Provisioned(t),
        recommendable: true,
    }
}

fn measured(ttl: CacheTtl) -> Scenario {
    Scenario {
        name: match ttl {
            CacheTtl::FiveMinutes => "caching-5m".into(),
            CacheTtl::OneHour => "caching-1h".into(),
        },
        kind: Kind::Measured(ttl),
        recommendable: true,
    }
}

/// `batch`, `global`, `swap`, `cache-rate`, ... joined with `+`.
fn composed(name: &str, params: &Params) -> Result<Scenario, String> {
    let mut t = Transform::default();
    let mut recommendable = true;
    for atom in name.split('+') {
        let tier = |t: &mut Transform, tier: Tier| {
            if t.tier != Tier::Standard {
                return Err(format!(
                    "scenario `{name}` sets the tier twice (batch, flex and priority exclude each other)"
                ));
            }
            t.tier = tier;
            Ok(())
        };
        match atom.trim() {
            "batch" => tier(&mut t, Tier::Batch)?,
            "flex" => tier(&mut t, Tier::Flex)?,
            "priority" => tier(&mut t, Tier::Priority)?,
            "global" | "geo" if t.profile.is_some() => {
                return Err(format!("scenario `{name}` names two profiles"))
            }
            "global" => t.profile = Some(Profile::Global),
            "geo" => t.profile = Some(Profile::Geo),
            "swap" => {
                if params.swaps.is_empty() {
                    return Err("scenario `swap` needs --swap FROM=TO[@PERCENT]".into());
                }
                t.swaps = params.swaps.clone();
                recommendable = false;
            }
            "cache-rate" => {
                t.cache = Some(params.cache_rate.ok_or(
                    "scenario `cache-rate` needs --cache-hit-rate (and optionally --cache-prefix-share)",
                )?);
                recommendable = false;
            }
            "provisioned" | "provisioned-no-commit" | "provisioned-1m" | "provisioned-6m"
            | "caching" | "caching-5m" | "caching-1h" | "reserved" => {
                return Err(format!(
                    "scenario `{name}`: `{atom}` is sized from the whole period and cannot be combined with +"
                ))
            }
            "baseline" => return Err("baseline is always shown; no need to ask for it".into()),
            other => return Err(format!("unknown scenario `{other}`")),
        }
    }
    Ok(Scenario {
        name: name.to_string(),
        kind: Kind::Request(t),
        recommendable,
    })
}

fn from_file(
    f: &FileScenario,
    resolver: &Resolver,
    default_ttl: CacheTtl,
) -> Result<Scenario, String> {
    let where_ = |e: String| format!("scenario `{}`: {e}", f.name);
    let swaps = f
        .swap
        .iter()
        .map(|s| {
            let pct = s
                .share
                .as_ref()
                .map(|p| format!("@{}", value_text(p)))
                .unwrap_or_default();
            parse_swap(&format!("{}={}{pct}", s.from, s.to), resolver)
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(where_)?;
    let cache = match &f.cache_hit_rate {
        None if f.cache_prefix_share.is_some() || f.cache_ttl.is_some() => {
            return Err(where_(
                "cache_prefix_share / cache_ttl need cache_hit_rate".into(),
            ))
        }
        None => None,
        Some(h) => Some(
            cache_rate(
                &value_text(h),
                &f.cache_prefix_share
                    .as_ref()
                    .map_or("1".to_string(), value_text),
                match f.cache_ttl.as_deref() {
                    None => default_ttl,
                    Some("5m") => CacheTtl::FiveMinutes,
                    Some("1h") => CacheTtl::OneHour,
                    Some(_) => return Err(where_("cache_ttl is 5m or 1h".into())),
                },
            )
            .map_err(where_)?,
        ),
    };
    let recommendable = swaps.is_empty() && cache.is_none();
    Ok(Scenario {
        name: f.name.clone(),
        kind: Kind::Request(Transform {
            tier: f.tier,
            profile: f.profile,
            swaps,
            cache,
        }),
        recommendable,
    })
}

/// A number or string from the scenarios file, as text for the share parser.
fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        _ => "(not a number)".into(),
    }
}

pub fn cache_rate(hit: &str, prefix: &str, ttl: CacheTtl) -> Result<CacheRate, String> {
    let (hit_rate, hit_bp) = parse_share("--cache-hit-rate", hit, true)?;
    let (prefix_share, prefix_bp) = parse_share("--cache-prefix-share", prefix, true)?;
    Ok(CacheRate {
        hit_rate: Num(hit_rate),
        prefix_share: Num(prefix_share),
        ttl,
        hit_bp: hit_bp as u64,
        prefix_bp: prefix_bp as u64,
    })
}

/// Which requests could run as batch jobs.
#[derive(Debug, Clone, Default)]
pub struct Eligibility {
    /// `key=value` rules; a request matching any is eligible. Empty: every request.
    pub rules: Vec<(GroupKey, String)>,
    /// Only non-streaming operations (a streaming caller is waiting for the answer).
    pub non_streaming: bool,
}

impl Eligibility {
    pub fn parse(rules: &[String], non_streaming: bool) -> Result<Eligibility, String> {
        let rules = rules
            .iter()
            .map(|r| {
                let (k, v) = r.split_once('=').ok_or_else(|| {
                    format!("--batch-only `{r}` is not KEY=VALUE (e.g. identity=arn:aws:sts::1:assumed-role/etl)")
                })?;
                let key = GroupKey::parse(k).map_err(|e| format!("--batch-only: {e}"))?;
                Ok((key, v.to_string()))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(Eligibility {
            rules,
            non_streaming,
        })
    }

    pub fn eligible(&self, r: &UsageRecord, res: &Resolution) -> bool {
        if self.non_streaming && is_streaming(r.operation) {
            return false;
        }
        self.rules.is_empty()
            || self
                .rules
                .iter()
                .any(|(k, v)| key_value(k, r, res).is_some_and(|x| &x == v))
    }

    /// How the eligible share was chosen, in words.
    pub fn describe(&self) -> String {
        let mut parts = vec![];
        if self.rules.is_empty() && !self.non_streaming {
            parts.push("every request counts as batch-eligible (narrow with --batch-only KEY=VALUE or --batch-heuristic)".to_string());
        } else if !self.rules.is_empty() {
            let rules: Vec<String> = self
                .rules
                .iter()
                .map(|(k, v)| format!("{}={v}", k.name()))
                .collect();
            parts.push(format!("requests matching any of: {}", rules.join(", ")));
        }
        if self.non_streaming {
            parts.push(
                "non-streaming operations only (a streaming caller waits for its answer)".into(),
            );
        }
        parts.join("; ")
    }
}

pub fn is_streaming(operation: &str) -> bool {
    operation.ends_with("Stream")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares() {
        assert_eq!(parse_share("f", "0.6", true).unwrap().1, 6000);
        assert_eq!(parse_share("f", "60%", true).unwrap().1, 6000);
        assert_eq!(parse_share("f", "25", false).unwrap().1, 2500);
        assert_eq!(parse_share("f", "12.5%", true).unwrap().1, 1250);
        assert!(parse_share("f", "1.5", true).is_err());
        assert!(parse_share("f", "x", true).is_err());
    }
}
