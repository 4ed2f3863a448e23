//! `discover` in every format: the table of accounts x regions x log destinations, and the
//! `collect` command that reads each destination.

use super::{csv_guarded, json, Format, Grid, NOTE};
use crate::output::discover::{Discovery, Logging, Row};

fn status(l: Logging) -> &'static str {
    match l {
        Logging::On => "on",
        Logging::Off => "off",
        Logging::Failed => "failed",
    }
}

fn cells(r: &Row) -> Vec<String> {
    let note = match (&r.error, &r.hint) {
        (Some(e), Some(h)) => format!("{e} (hint: {h})"),
        (Some(e), None) => e.clone(),
        _ => String::new(),
    };
    vec![
        r.account.clone().unwrap_or_else(|| "?".into()),
        r.region.clone(),
        status(r.logging).into(),
        r.s3.clone().unwrap_or_default(),
        r.log_group.clone().unwrap_or_default(),
        r.large_data_s3.clone().unwrap_or_default(),
        r.delivers.join(","),
        r.via.clone(),
        note,
    ]
}

const HEADER: [&str; 9] = [
    "Account",
    "Region",
    "Logging",
    "S3",
    "Log group",
    "Large data S3",
    "Delivers",
    "Via",
    NOTE,
];

/// A value as one shell word: as is when it holds only safe characters, else single-quoted (a
/// prefix or log-group name comes from another account's configuration).
fn shell_word(s: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "/._:=-+@,".contains(c);
    if !s.is_empty() && s.chars().all(safe) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The collect command for each destination found (S3 first: it holds every record), with the
/// same credentials (`--profile`, or the role and its account); for S3, the Athena way too.
fn next_steps(d: &Discovery) -> Vec<String> {
    let mut out = vec![];
    for r in d.rows.iter().filter(|r| r.logging == Logging::On) {
        let via = match (&r.account, r.via.strip_prefix("profile ")) {
            (_, Some(p)) => format!(" --profile {}", shell_word(p)),
            (Some(a), None) if r.via.starts_with("arn:") => {
                format!(" --role-arn {} --account {a}", shell_word(&r.via))
            }
            _ => String::new(),
        };
        let when = "--start YYYY-MM --end YYYY-MM --out DIR";
        match (&r.s3, &r.log_group) {
            (Some(s3), _) => {
                out.push(format!(
                    "bedrock-lens collect logs --s3 {s3} --region {}{via} {when}",
                    r.region
                ));
                out.push(format!(
                    "bedrock-lens collect logs --athena {s3}{via} {when}   # summed where they are (--athena-create the first time)"
                ));
            }
            (None, Some(g)) => out.push(format!(
                "bedrock-lens collect logs --log-group {g} --region {}{via} {when}",
                r.region
            )),
            _ => continue,
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.clone()));
    out
}

pub fn render(d: &Discovery, f: Format) -> anyhow::Result<String> {
    let header: Vec<String> = HEADER.iter().map(|h| h.to_string()).collect();
    let rows: Vec<Vec<String>> = d.rows.iter().map(cells).collect();
    match f {
        Format::Json => json(d),
        Format::Csv => csv_guarded(&header, &rows, header.len()),
        Format::Table | Format::Markdown => {
            let md = f == Format::Markdown;
            let s = &d.summary;
            let mut out = format!(
                "Model-invocation logging: {} account(s) x {} region(s): {} on, {} off, {} failed\n{}",
                s.accounts,
                s.regions,
                s.logging_on,
                s.logging_off,
                s.failed,
                if md { "\n" } else { "" }
            );
            out.push_str(
                &Grid {
                    header,
                    rows,
                    first_numeric: HEADER.len(),
                }
                .render(md),
            );
            let steps = next_steps(d);
            if !steps.is_empty() {
                out.push_str(if md {
                    "\nTo collect them:\n\n"
                } else {
                    "To collect them:\n"
                });
                for c in steps {
                    out.push_str(&format!("  {c}\n"));
                }
            }
            Ok(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn names_from_other_accounts_are_one_shell_word() {
        assert_eq!(shell_word("s3://b/team-a"), "s3://b/team-a");
        assert_eq!(shell_word("/logs/a b#c"), "'/logs/a b#c'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
    }
}
