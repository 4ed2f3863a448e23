//! Billing names -> catalog models: the model part of a first-party usage type (`NovaMicro`,
//! `Claude3.5Sonnet`, `Nova2.0Lite`) or a Marketplace service name ("Claude Sonnet 4.6 (Amazon
//! Bedrock Edition)"), matched to a model's name, Price List names or billing names with spaces,
//! dots, dashes and case ignored. A name two models share matches neither: never a guess.

use super::catalog::{Catalog, Model};

/// Lower-case letters and digits only: `Claude 3.5 Sonnet` and `Claude3.5Sonnet` both read
/// `claude35sonnet`.
fn squash(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The catalog model a billing name names, when exactly one does.
pub fn model_of(catalog: &Catalog, billing_name: &str) -> Option<usize> {
    let want = squash(
        billing_name
            .strip_suffix(crate::collect::cost_explorer::MARKETPLACE_SUFFIX)
            .unwrap_or(billing_name),
    );
    if want.is_empty() {
        return None;
    }
    let mut found = catalog
        .models
        .iter()
        .enumerate()
        .filter(|(_, m)| named(m, &want));
    match (found.next(), found.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// Whether `m` answers to the squashed name `want`.
fn named(m: &Model, want: &str) -> bool {
    std::iter::once(&m.name)
        .chain(&m.feed_names)
        .chain(&m.billing_names)
        .any(|n| squash(n) == want)
}

/// Whether `m` already answers to `billing_name` (by name, Price List name or billing name).
pub fn names(m: &Model, billing_name: &str) -> bool {
    named(m, &squash(billing_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_names_of_both_services() {
        let c = Catalog::embedded().unwrap();
        let key = |n: &str| model_of(&c, n).map(|i| c.model(i).key.clone());
        assert_eq!(key("NovaMicro").as_deref(), Some("amazon.nova-micro"));
        assert_eq!(key("Nova2.0Lite").as_deref(), Some("amazon.nova-2-lite"));
        assert_eq!(
            key("Claude3.5Sonnet").as_deref(),
            Some("anthropic.claude-3-5-sonnet")
        );
        assert_eq!(
            key("Claude Sonnet 4.6 (Amazon Bedrock Edition)").as_deref(),
            Some("anthropic.claude-sonnet-4-6")
        );
        assert_eq!(key("Llama3-3-70B").as_deref(), Some("meta.llama3-3-70b"));
        // A billing name no model name matches: the catalog's billing_names.
        assert_eq!(
            key("TitanEmbeddingV2-Text").as_deref(),
            Some("amazon.titan-embed-text-v2")
        );
        assert_eq!(key("SomethingElse"), None);
        assert_eq!(key(""), None);
    }
}
