//! The crate's layers, checked from its sources: every `crate::` path of every module, no cycle
//! between the top-level modules, and the lower layers free of the protocol.
//!
//! It reads the text of `src/`, so it sees every `use crate::x` and every inline `crate::x::y`;
//! paths through `super::` stay inside a module, which the check allows.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module -> the top-level modules it names.
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).expect("inside src");
        let first = relative.components().next().expect("a path");
        let module = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("readable source");
        let uses = graph.entry(module.clone()).or_default();
        for name in crate_paths(&text) {
            if name != module {
                uses.insert(name);
            }
        }
    }
    graph
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The first segment of every `crate::` path in `text`, `crate::{a, b::c}` included.
fn crate_paths(text: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = Vec::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            names.extend(
                group[..end]
                    .split(',')
                    .map(|part| ident(part.trim()))
                    .filter(|name| !name.is_empty()),
            );
        } else {
            names.push(ident(rest));
        }
    }
    names.retain(|name| !name.is_empty() && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()));
    names
}

#[test]
fn the_top_level_modules_form_no_cycle() {
    let graph = graph();
    // Depth-first search with the path on a stack: a name met again on the path closes a cycle.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| *n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let graph = graph();
    // What each module may name. `api` is the top; `lib.rs` wires everything together.
    let allowed: &[(&str, &[&str])] = &[
        ("clock", &[]),
        ("entropy", &[]),
        ("ordered_json", &[]),
        ("signing", &[]),
        ("telemetry", &[]),
        ("domain", &["entropy"]),
        ("keys", &["domain"]),
        ("quota", &["keys"]),
        ("store", &["keys", "quota"]),
        ("limiter", &[]),
        ("config", &["entropy", "limiter", "store"]),
        (
            "app",
            &[
                "clock",
                "domain",
                "entropy",
                "keys",
                "quota",
                "signing",
                "store",
                "telemetry",
            ],
        ),
        // The admin listener reads the app's state for /readyz and /metrics; it serves no API.
        ("admin", &["app", "clock", "keys", "store", "telemetry"]),
        ("api", &["app", "clock", "domain", "ordered_json", "quota"]),
    ];
    for (module, uses) in &graph {
        let permitted = allowed
            .iter()
            .find(|(name, _)| name == module)
            .unwrap_or_else(|| panic!("module `{module}` has no place in the layers: add it here"))
            .1;
        for used in uses {
            assert!(
                permitted.contains(&used.as_str()),
                "`{module}` uses `crate::{used}`, which is not below it"
            );
        }
    }
}

#[test]
fn the_protocol_stays_in_the_api() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for dir in ["domain", "app", "quota.rs", "store", "keys.rs"] {
        let path = src.join(dir);
        let files = if path.is_dir() {
            rust_files(&path)
        } else {
            vec![path]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for word in ["jrpc", "ErrorObject", "crate::api"] {
                assert!(
                    !text.contains(word),
                    "{} mentions `{word}`: protocol belongs in api/",
                    file.display()
                );
            }
        }
    }
}

#[test]
fn the_path_reader_sees_groups() {
    assert_eq!(
        crate_paths("use crate::{a::B, c};\nlet x = crate::d::e();"),
        ["a", "c", "d"]
    );
}
