//! The layering rule of DESIGN.md, checked on `src/`: a module imports only the layers listed
//! before it (money/error/io -> usage -> collect -> pricing -> scenarios -> output -> render ->
//! snapshot -> cli/settings -> commands), no library module imports `commands`, no two folders
//! import each other (directly or through others), and no command imports another command.
//!
//! Every `crate::`, `super::` and `self::` path in the code (comments and strings aside, `use`
//! groups expanded) is resolved to the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level modules in pipeline order: each may import only itself and those before it.
const LAYERS: &[&str] = &[
    "error",
    "money",
    "io",
    "usage",
    "collect",
    "pricing",
    "scenarios",
    "output",
    "render",
    "snapshot",
    "cli",
    "settings",
    "commands",
];

/// Shared modules of `commands/` that every command may use (the others are commands): the read
/// passes over logs (`pipeline`), over a snapshot's metrics (`from_metrics`) and over its Athena
/// sums (`from_sums`).
const COMMANDS_SHARED: &[&str] = &[
    "pipeline",
    "from_metrics",
    "from_sums",
    "compare",
    "monthly",
];

fn rank(top: &str) -> Option<usize> {
    LAYERS.iter().position(|l| *l == top)
}

/// `src/a/b.rs` -> ["a", "b"]; `src/a/mod.rs` -> ["a"].
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code without comments, string and char literals (replaced by spaces).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i += 2;
        } else if raw_string_at(b, i) {
            let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            i += 2 + hashes;
            while i < b.len() && !b[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push(' ');
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if b[i] == b'\'' && i + 2 < b.len() && (b[i + 2] == b'\'' || b[i + 1] == b'\\') {
            // A char literal ('a', '\n', '\''), not a lifetime.
            i += 1;
            while i < b.len() && b[i] != b'\'' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// A raw string (`r"`, `r#"`, `r##"`..., also after `b`) starts at `i`.
fn raw_string_at(b: &[u8], i: usize) -> bool {
    if b[i] != b'r'
        || (i > 0 && is_ident(b[i - 1]) && !(b[i - 1] == b'b' && (i < 2 || !is_ident(b[i - 2]))))
    {
        return false;
    }
    let hashes = b[i + 1..].iter().take_while(|c| **c == b'#').count();
    b.get(i + 1 + hashes) == Some(&b'"')
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Expands the path at `s[i..]` (after a `crate`/`super`/`self` root already in `prefix`):
/// every full path it names, `use` groups included.
fn expand(s: &[u8], mut i: usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix;
    loop {
        if !s[i..].starts_with(b"::") {
            out.push(path);
            return i;
        }
        i += 2;
        while i < s.len() && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < s.len() && s[i] == b'{' {
            i += 1;
            loop {
                while i < s.len() && (s[i].is_ascii_whitespace() || s[i] == b',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == b'}' {
                    return i + 1;
                }
                let start = i;
                while i < s.len() && is_ident(s[i]) {
                    i += 1;
                }
                let mut p = path.clone();
                if i > start {
                    p.push(String::from_utf8_lossy(&s[start..i]).to_string());
                } else {
                    // `*` or something we do not follow: skip one byte.
                    i += 1;
                }
                i = expand(s, i, p, out);
                while i < s.len() && s[i] != b',' && s[i] != b'}' {
                    i += 1;
                }
            }
        }
        let start = i;
        while i < s.len() && is_ident(s[i]) {
            i += 1;
        }
        if i == start {
            out.push(path);
            return i;
        }
        path.push(String::from_utf8_lossy(&s[start..i]).to_string());
    }
}

/// Every module path the file refers to, absolute (from the crate root). `super` and `self`
/// inside an inline `mod name { ... }` are relative to that module.
fn references(module: &[String], code: &str) -> Vec<Vec<String>> {
    let s = code.as_bytes();
    let mut found = vec![];
    let mut here = module.to_vec();
    // Inline modules open at these brace depths.
    let mut inline: Vec<usize> = vec![];
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'{' => depth += 1,
            b'}' => {
                depth = depth.saturating_sub(1);
                if inline.last() == Some(&depth) {
                    inline.pop();
                    here.pop();
                }
            }
            _ => {}
        }
        if s[i..].starts_with(b"mod ") && (i == 0 || !is_ident(s[i - 1])) {
            let start = i + 4;
            let end = start + s[start..].iter().take_while(|c| is_ident(**c)).count();
            let rest = s[end..].iter().find(|c| !c.is_ascii_whitespace());
            if end > start && rest == Some(&b'{') {
                here.push(String::from_utf8_lossy(&s[start..end]).to_string());
                inline.push(depth);
            }
        }
        let root = ["crate", "super", "self"]
            .into_iter()
            .find(|r| s[i..].starts_with(r.as_bytes()) && s[i + r.len()..].starts_with(b"::"));
        let starts_word = i == 0 || !is_ident(s[i - 1]) && s[i - 1] != b':';
        let Some(root) = root.filter(|_| starts_word) else {
            i += 1;
            continue;
        };
        let mut paths = vec![];
        i = expand(s, i + root.len(), vec![root.to_string()], &mut paths);
        for p in paths {
            found.push(resolve(&here, &p));
        }
    }
    found
}

/// `super::x` and `self::x` from `module` to a path from the crate root.
fn resolve(module: &[String], p: &[String]) -> Vec<String> {
    let mut base: Vec<String> = match p[0].as_str() {
        "crate" => vec![],
        _ => module.to_vec(),
    };
    let mut rest = &p[1..];
    if p[0] == "super" {
        base.pop();
        while rest.first().is_some_and(|s| s == "super") {
            base.pop();
            rest = &rest[1..];
        }
    }
    base.extend(rest.iter().cloned());
    base
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The folder a module lives in (`collect/aws/fault` -> `collect/aws`; `collect/aws` -> its
/// own folder when it is a `mod.rs`).
fn folder_of(src: &Path, module: &[String]) -> String {
    let mut m = module.to_vec();
    while !m.is_empty() && !src.join(m.join("/")).is_dir() {
        m.pop();
    }
    if m.is_empty() {
        // A top-level file (`money.rs`) is a node of its own.
        return module.first().cloned().unwrap_or_default();
    }
    m.join("/")
}

/// Violations of the rule in the tree at `src`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = vec![];
    rust_files(src, &mut files);
    files.sort();
    let commands: BTreeSet<String> = std::fs::read_dir(src.join("commands"))
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path().file_stem().unwrap().to_string_lossy().to_string())
                .filter(|n| n != "mod" && !COMMANDS_SHARED.contains(&n.as_str()))
                .collect()
        })
        .unwrap_or_default();
    let mut bad = vec![];
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let module = module_of(src, f);
        if module == ["lib"] {
            // The crate root declares the layers and nothing else: a re-export there would
            // let any module reach a later layer as `crate::name`.
            let code = code_only(&std::fs::read_to_string(f).expect("readable"));
            if code.split_whitespace().any(|w| w == "use") {
                bad.push(format!(
                    "{}: the crate root holds `mod` declarations only (no `use`)",
                    f.display()
                ));
            }
            continue;
        }
        if module.is_empty() || module == ["main"] {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("readable");
        let code = code_only(&text);
        // `crate as name` would hide every path behind another name.
        if code
            .split_whitespace()
            .collect::<Vec<_>>()
            .windows(2)
            .any(|w| w == ["crate", "as"])
        {
            bad.push(format!(
                "{}: aliases the crate root (`crate as ...`)",
                f.display()
            ));
        }
        // Paths in attributes are strings (`#[serde(with = "crate::x")]`): read those lines too.
        let attributes: String = text
            .lines()
            .filter(|l| l.trim_start().starts_with("#["))
            .map(|l| l.replace('"', " ") + "\n")
            .collect();
        let here = &module[0];
        let Some(my_rank) = rank(here) else {
            bad.push(format!(
                "{}: top-level module `{here}` is not in the layer list",
                f.display()
            ));
            continue;
        };
        let from_folder = folder_of(src, &module);
        for target in references(&module, &(code + &attributes)) {
            let Some(top) = target.first() else {
                bad.push(format!(
                    "{}: imports the crate root itself (a glob or an alias), which hides what it uses",
                    f.display()
                ));
                continue;
            };
            if let Some(r) = rank(top) {
                if r > my_rank {
                    bad.push(format!(
                        "{}: `{here}` imports `{}`, a later layer",
                        f.display(),
                        target.join("::")
                    ));
                }
            }
            if here == "commands" && top == "commands" && module.len() > 1 {
                if let Some(other) = target.get(1) {
                    if commands.contains(other) && *other != module[1] {
                        bad.push(format!(
                            "{}: command `{}` imports command `{other}`",
                            f.display(),
                            module[1]
                        ));
                    }
                }
            }
            let to_folder = folder_of(src, &target);
            if to_folder != from_folder
                && !to_folder.is_empty()
                && !from_folder.starts_with(&format!("{to_folder}/"))
            {
                edges
                    .entry(from_folder.clone())
                    .or_default()
                    .insert(to_folder);
            }
        }
    }
    if let Some(cycle) = find_cycle(&edges) {
        bad.push(format!("folders import each other: {}", cycle.join(" -> ")));
    }
    bad
}

fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(pos) = stack.iter().position(|s| s == n) {
            let mut c = stack[pos..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for n in edges.keys() {
        if let Some(c) = visit(n, edges, &mut vec![], &mut done) {
            return Some(c);
        }
    }
    None
}

#[test]
fn src_follows_the_layering_rule() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let bad = violations(&src);
    assert!(bad.is_empty(), "layering rule broken:\n{}", bad.join("\n"));
}

#[test]
fn the_check_catches_what_it_should() {
    let dir = std::env::temp_dir().join(format!("bedrock-lens-layering-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |p: &str, s: &str| {
        let p = dir.join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    // usage reaching forward into pricing, inside a `use` group and a comment-free path.
    write(
        "usage/mod.rs",
        "use crate::{money::Pico, pricing::{Catalog, Scope}};\n// crate::commands in a comment\nfn f() { let s = \"crate::snapshot\"; }\n",
    );
    // Hidden behind a raw string with hashes, in an attribute, a glob of the root, an alias.
    write(
        "usage/record.rs",
        "const S: &str = r##\"a \"# b\"##;\nuse crate::render::x;\n#[serde(with = \"crate::output::y\")]\nstruct T;\n",
    );
    write("money.rs", "use super::*;\n");
    write("io.rs", "use crate as root;\n");
    write("lib.rs", "pub mod usage;\npub use commands::run;\n");
    // a command using another command through `super::`.
    write("commands/mod.rs", "pub mod a;\npub mod b;\n");
    write(
        "commands/a.rs",
        "use super::b::run;\nuse super::pipeline::x;\nmod inner {\n    use super::super::b::stop;\n}\n",
    );
    write("commands/b.rs", "pub fn run() {}\n");
    write("commands/pipeline.rs", "pub fn x() {}\n");
    // two folders importing each other (collect/aws <-> collect/cost_explorer).
    write("collect/mod.rs", "pub mod aws;\npub mod cost_explorer;\n");
    write(
        "collect/aws/mod.rs",
        "use crate::collect::cost_explorer::parse;\n",
    );
    write(
        "collect/cost_explorer/mod.rs",
        "use super::aws::config;\npub fn parse() {}\n",
    );
    let bad = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let has = |text: &str| bad.iter().filter(|b| b.contains(text)).count();
    // Once at the top, once from an inline module (`super::super` from `a::inner`).
    assert_eq!(has("command `a` imports command `b`"), 2, "{bad:#?}");
    assert_eq!(
        has("`usage` imports `pricing::Catalog`, a later layer"),
        1,
        "{bad:#?}"
    );
    assert_eq!(
        has("`usage` imports `pricing::Scope`, a later layer"),
        1,
        "{bad:#?}"
    );
    assert_eq!(
        has("folders import each other: collect/aws -> collect/cost_explorer -> collect/aws"),
        1,
        "{bad:#?}"
    );
    assert_eq!(
        has("`usage` imports `render::x`, a later layer"),
        1,
        "{bad:#?}"
    );
    assert_eq!(
        has("`usage` imports `output::y`, a later layer"),
        1,
        "{bad:#?}"
    );
    assert_eq!(
        has("money.rs: imports the crate root itself"),
        1,
        "{bad:#?}"
    );
    assert_eq!(has("io.rs: aliases the crate root"), 1, "{bad:#?}");
    assert_eq!(
        has("lib.rs: the crate root holds `mod` declarations only"),
        1,
        "{bad:#?}"
    );
    // Comments, strings and the shared `pipeline` are not imports.
    assert_eq!(bad.len(), 10, "{bad:#?}");
}
