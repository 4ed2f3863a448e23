//! `demo` as text: the month by model, the top identities and the what-if summary, in a
//! terminal table or Markdown.

use super::{report, whatif};
use crate::output::demo::{Demo, TOP};

/// The demo for a terminal (`markdown` false) or as Markdown.
pub fn human(d: &Demo, md: bool) -> String {
    let (by_model, top, w) = (d.by_model, d.top_identities, d.whatif);
    let title = |s: &str| {
        if md {
            format!("### {s}\n\n")
        } else {
            format!("{s}\n")
        }
    };
    let mut s = title(&format!(
        "bedrock-lens demo: a sample month of Amazon Bedrock usage ({} to {}, {} invocations, 2 accounts, {} models)",
        by_model.period.start.as_deref().unwrap_or("-"),
        by_model.period.end.as_deref().unwrap_or("-"),
        by_model.totals.counts.invocations,
        by_model.rows.len(),
    ));
    s.push('\n');
    s.push_str(&title("Month by model"));
    if md {
        s.push('\n');
    }
    s.push_str(&report::grid(by_model, "TOTAL").render(md));
    s.push('\n');
    s.push_str(&title(&format!(
        "Top {TOP} identities by cost (roles, session names removed)"
    )));
    if md {
        s.push('\n');
    }
    s.push_str(&report::grid(top, &format!("TOTAL (top {TOP})")).render(md));
    s.push('\n');
    s.push_str(&title(
        "What if the same month ran differently (bedrock-lens whatif)",
    ));
    if md {
        s.push('\n');
    }
    s.push_str(&whatif::summary(w, md));
    s.push_str(
        "Every request counts as batch-eligible here; flex and priority apply only where the catalog lists the model's tier\n\
         rate. `bedrock-lens whatif --logs DIR` shows each model and every assumption.\n",
    );
    s.push_str(&format!(
        "\nCost at {}, computed per request (long-context and cache rates included);\n\
         models the catalog does not know are listed on stderr and left out of the totals.\n\
         Try: bedrock-lens demo --out demo-logs && bedrock-lens report --logs demo-logs --by day,model\n",
        super::prices_text(&by_model.pricing)
    ));
    s
}
