//! Tidy: the architecture's invariants, checked by reading the sources as text (in the
//! spirit of rust-analyzer's `xtask/src/tidy.rs`). A broken invariant fails naming the
//! file, the line and the rule.
//!
//! Every rule is a pure function of the files it is given, so each has two tests: one over
//! the repository (must be clean) and one over a small synthetic file that breaks it (must
//! report exactly that). `every_rule_scans_every_crate_it_names` makes sure no rule is
//! vacuous because of a path typo. Only `std` is used, so this also runs standalone:
//!
//!     rustc --edition 2021 --test -O tests/tidy.rs -o /tmp/tidy && /tmp/tidy
//!
//! Scanned: the `*.rs` files under `<crate>/src/` of the crates in `ALL_CRATES` (the CLI
//! crate is the root package, `src/`) and their `Cargo.toml`. Not scanned: `tests/`,
//! `benches/`, `<crate>/tests/`, `target/`, the Verilog in `rtl-templates/`.

use std::fmt;
use std::path::Path;

/// The rules. `crates` are the crates whose files the rule must see (checked by
/// `every_rule_scans_every_crate_it_names`); `scope` is the filter the rule applies.
const RULES: &[Rule] = &[
    Rule {
        name: "process",
        check: rule_process,
        input: Input::Sources,
        crates: ALL_CRATES,
        scope: anywhere,
        summary: "only eda/src/ names Command; only eda/src/process.rs spawns",
    },
    Rule {
        name: "pure",
        check: rule_pure,
        input: Input::Sources,
        crates: PURE_CRATES,
        scope: in_pure_crate,
        summary: "no file/process/network I/O and no printing",
    },
    Rule {
        name: "deps",
        check: rule_deps,
        input: Input::Manifests,
        crates: ALL_CRATES,
        scope: anywhere,
        summary: "internal dependencies follow ALLOWED_DEPS",
    },
    Rule {
        name: "json_edges",
        check: rule_json_edges,
        input: Input::Sources,
        crates: ALL_CRATES,
        scope: anywhere,
        summary: "untyped JSON only in the CLI and JSON_EDGES",
    },
    Rule {
        name: "family_strings",
        check: rule_family_strings,
        input: Input::Sources,
        crates: ALL_CRATES,
        scope: anywhere,
        summary: "FPGA names only in generator/src/family/",
    },
    Rule {
        name: "fn_length",
        check: rule_fn_length,
        input: Input::Sources,
        crates: LIBRARY_CRATES,
        scope: in_library_crate,
        summary: "no library function over FN_LENGTH_LIMIT lines",
    },
    Rule {
        name: "cli_glue",
        check: rule_cli_glue,
        input: Input::Sources,
        crates: &["cli"],
        scope: is_cmd_module,
        summary: "src/cmd/*.rs never import each other",
    },
];

const ALL_CRATES: &[&str] = &[
    "numerics",
    "ir",
    "sim",
    "generator",
    "report",
    "wire",
    "import",
    "eda",
    "cli",
];
const LIBRARY_CRATES: &[&str] = &[
    "numerics",
    "ir",
    "sim",
    "generator",
    "report",
    "wire",
    "import",
    "eda",
];
const PURE_CRATES: &[&str] = &["numerics", "ir", "sim", "generator", "report", "wire"];

struct Rule {
    name: &'static str,
    check: fn(&[SourceFile]) -> Vec<Violation>,
    input: Input,
    crates: &'static [&'static str],
    scope: fn(&str) -> bool,
    summary: &'static str,
}

#[derive(Clone, Copy)]
enum Input {
    Sources,
    Manifests,
}

impl Input {
    fn files(self) -> Vec<SourceFile> {
        match self {
            Input::Sources => source_files(),
            Input::Manifests => manifest_files(),
        }
    }
}

/// A file by its repository-relative path (`/`-separated) and its text.
struct SourceFile {
    path: String,
    text: String,
}

#[derive(Debug)]
struct Violation {
    path: String,
    line: usize,
    rule: &'static str,
    message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: [{}] {}",
            self.path, self.line, self.rule, self.message
        )
    }
}

// ---------------------------------------------------------------- rule 1: process

/// `process`: only the tool crate runs processes. `std::process::Command`,
/// `process::Command` and `Command::new` appear only under `eda/src/`; inside it, the
/// spawning calls `.spawn(`, `.output(`, `.status(` appear only in `eda/src/process.rs`,
/// the one process runner. Exceptions: none. (The integration tests in `tests/` spawn the
/// binary on purpose; they are not scanned.) Only calls match (`child.status` field access
/// does not); a method of our own that happens to be called `status(` should be renamed
/// rather than excepted. Test modules are checked too.
fn rule_process(files: &[SourceFile]) -> Vec<Violation> {
    let mut out = forbid_texts(
        "process",
        files,
        |p| !p.starts_with("eda/src/"),
        &["std::process::Command", "process::Command", "Command::new"],
        false,
        "outside eda/src/: only the tool crate runs processes",
    );
    out.extend(forbid_texts(
        "process",
        files,
        |p| p.starts_with("eda/src/") && p != "eda/src/process.rs",
        &[".spawn(", ".output(", ".status("],
        false,
        "outside eda/src/process.rs: spawn through the one process runner",
    ));
    out
}

// ---------------------------------------------------------------- rule 2: pure

/// `pure`: the crates in `PURE_CRATES` do no file, process or network I/O and print
/// nothing. Exception: a `#[cfg(test)]` module may (everything from a line that is exactly
/// `#[cfg(test)]` to the end of the file is skipped; the project puts the test module last).
fn rule_pure(files: &[SourceFile]) -> Vec<Violation> {
    let texts = [
        "std::fs",
        "fs::",
        "File::",
        "OpenOptions",
        "std::process",
        "std::net",
        "std::io::stdin",
        "stdout()",
        "stderr()",
        "println!",
        "eprintln!",
        "print!(",
        "eprint!(",
        "dbg!(",
    ];
    forbid_texts(
        "pure",
        files,
        in_pure_crate,
        &texts,
        true,
        "in a pure crate: no I/O, no printing (return the data, let the caller write it)",
    )
}

// ---------------------------------------------------------------- rule 3: deps

/// Which internal crates (`asnn`, `asnn-*`) each crate may depend on.
enum Allowed {
    Only(&'static [&'static str]),
    AnythingBut(&'static [&'static str]),
}

const ALLOWED_DEPS: &[(&str, Allowed)] = &[
    ("asnn-numerics", Allowed::Only(&[])),
    ("asnn-wire", Allowed::Only(&["asnn-numerics"])),
    ("asnn-ir", Allowed::Only(&["asnn-numerics"])),
    ("asnn-sim", Allowed::Only(&["asnn-numerics", "asnn-ir"])),
    ("asnn-report", Allowed::Only(&[])),
    // never sim, import or eda: the generator neither simulates nor reads files
    (
        "asnn-generator",
        Allowed::Only(&["asnn-numerics", "asnn-wire"]),
    ),
    // not the generator: importing a network does not depend on how it is emitted
    ("asnn-import", Allowed::Only(&["asnn-numerics", "asnn-ir"])),
    ("asnn-eda", Allowed::AnythingBut(&["asnn"])),
    ("asnn", Allowed::AnythingBut(&[])),
];

/// `deps`: each crate's `[dependencies]` (also `[dependencies.x]` and
/// `[target.'..'.dependencies]`; not dev- or build-dependencies) name only the internal
/// crates `ALLOWED_DEPS` allows; a crate missing from the table is a violation too.
/// Exceptions: none.
fn rule_deps(files: &[SourceFile]) -> Vec<Violation> {
    let mut out = Vec::new();
    for f in files {
        let (package, deps) = parse_manifest(&f.text);
        let mut report = |line, message| {
            out.push(Violation {
                path: f.path.clone(),
                line,
                rule: "deps",
                message,
            })
        };
        let Some((pkg_line, package)) = package else {
            report(1, "no [package] name".to_string());
            continue;
        };
        let Some((_, allowed)) = ALLOWED_DEPS.iter().find(|(name, _)| *name == package) else {
            report(
                pkg_line,
                format!("crate `{package}` is not in ALLOWED_DEPS"),
            );
            continue;
        };
        for (line, dep) in deps
            .into_iter()
            .filter(|(_, d)| d == "asnn" || d.starts_with("asnn-"))
        {
            let ok = match allowed {
                Allowed::Only(list) => list.contains(&dep.as_str()),
                Allowed::AnythingBut(list) => !list.contains(&dep.as_str()),
            };
            if !ok {
                report(
                    line,
                    format!("`{package}` must not depend on `{dep}` (ALLOWED_DEPS)"),
                );
            }
        }
    }
    out
}

/// A line number and a name in a manifest.
type Named = (usize, String);

/// The `[package]` name and the normal dependencies (line, crate name) of a `Cargo.toml`.
fn parse_manifest(text: &str) -> (Option<Named>, Vec<Named>) {
    let (mut section, mut package, mut deps) = (String::new(), None, Vec::new());
    let unquote = |s: &str| s.trim().trim_matches('"').to_string();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with('[') {
            section = line
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string();
            if let Some(name) = section.strip_prefix("dependencies.") {
                deps.push((i + 1, unquote(name)));
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=').filter(|_| !line.starts_with('#')) else {
            continue;
        };
        if section == "package" && key.trim() == "name" {
            package = Some((i + 1, unquote(value)));
        } else if section == "dependencies" || section.ends_with(".dependencies") {
            // `x = { package = "asnn-y", .. }` renames: the real crate is `asnn-y`
            let renamed = (value.split("package").skip(1))
                .find_map(|r| r.trim_start().strip_prefix('=')?.split('"').nth(1));
            let name = renamed
                .map(str::to_string)
                .unwrap_or_else(|| unquote(key.split('.').next().unwrap_or(key)));
            deps.push((i + 1, name));
        }
    }
    (package, deps)
}

// ---------------------------------------------------------------- rule 4: json_edges

/// Files outside the CLI crate that may use untyped JSON, each with the reason.
const JSON_EDGES: &[(&str, &str)] = &[(
    "eda/src/flow/nextpnr.rs",
    "reads nextpnr's `--report` JSON, an external format",
)];

/// `json_edges`: untyped JSON (`serde_json::Value`, `Value` in a `use serde_json::{..}`
/// brace list, the `json!(` macro) appears only at the edges: the CLI crate (`src/`) and
/// the files in `JSON_EDGES`. Typed `serde_json::to_string`/`from_str` are fine.
fn rule_json_edges(files: &[SourceFile]) -> Vec<Violation> {
    let at_edge = |p: &str| p.starts_with("src/") || JSON_EDGES.iter().any(|(e, _)| *e == p);
    let why = "outside the edges (src/, JSON_EDGES): use a typed struct";
    let mut out = forbid_texts(
        "json_edges",
        files,
        |p| !at_edge(p),
        &["serde_json::Value", "json!("],
        false,
        why,
    );
    for f in files.iter().filter(|f| !at_edge(&f.path)) {
        let code = strip_comments(&f.text, false);
        for (start, _) in code.match_indices("serde_json::{") {
            let list = &code[start..];
            let mut depth = 0; // the list ends at the `}` closing its `{` (lists nest)
            let end = list.find(|c| {
                depth += match c {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                c == '}' && depth == 0
            });
            let list = &list[..end.unwrap_or(list.len())];
            for (at, _) in list
                .match_indices("Value")
                .filter(|&(at, _)| is_word_at(list, at, 5))
            {
                let line = code[..start + at].matches('\n').count() + 1;
                let message = format!("`Value` imported from serde_json {why}");
                out.push(Violation {
                    path: f.path.clone(),
                    line,
                    rule: "json_edges",
                    message,
                });
            }
        }
    }
    out
}

// ---------------------------------------------------------------- rule 5: family_strings

/// `family_strings`: FPGA-family-specific names (primitives, yosys/nextpnr/pack commands)
/// appear in scanned `.rs` files only under `generator/src/family/`, with the family
/// facts. String literals are checked (that is the point); comments are not (a doc
/// comment may name a primitive to explain). Exception: `#[cfg(test)]` modules, skipped as
/// in `pure` (their fixtures quote real yosys/nextpnr output, which names primitives; the
/// invariant is about what the shipped code knows). Scoped to Rust sources: the Verilog
/// library (`rtl-templates/lib/*.v`) and templates instantiate primitives, not scanned.
fn rule_family_strings(files: &[SourceFile]) -> Vec<Violation> {
    let texts = [
        "SB_",
        "ICESTORM_",
        "TRELLIS_",
        "DP16KD",
        "MULT18X18D",
        "EHXPLLL",
        "synth_ice40",
        "synth_ecp5",
        "icepack",
        "ecppack",
        "nextpnr-ice40",
        "nextpnr-ecp5",
    ];
    forbid_texts(
        "family_strings",
        files,
        |p| !p.starts_with("generator/src/family/"),
        &texts,
        true,
        "outside generator/src/family/: ask the family facts instead",
    )
}

// ---------------------------------------------------------------- rule 6: fn_length

const FN_LENGTH_LIMIT: usize = 120;

/// Functions allowed over the limit: (path, function name, reason).
const FN_LENGTH_EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "numerics/src/golden.rs",
        "run",
        "one time step of the integer spec in the order of \
        docs/numerics.md section 3, kept whole so it reads against the spec line by line",
    ),
    (
        "sim/src/float_asnn.rs",
        "run",
        "the float reference in asn-model.md's order, kept whole \
        for the same reason",
    ),
];

/// `fn_length`: no function in the library crates is longer than `FN_LENGTH_LIMIT` lines,
/// from its `fn` line to the `}` line at the same indentation (`#[cfg(test)]` modules are
/// skipped, as in `pure`). Exceptions: `FN_LENGTH_EXCEPTIONS`; an exception whose function
/// no longer exceeds the limit, or no longer exists, is itself a violation.
fn rule_fn_length(files: &[SourceFile]) -> Vec<Violation> {
    check_fn_length(files, FN_LENGTH_EXCEPTIONS)
}

fn check_fn_length(files: &[SourceFile], exceptions: &[(&str, &str, &str)]) -> Vec<Violation> {
    let (mut out, mut used) = (Vec::new(), vec![false; exceptions.len()]);
    let mut found = vec![None; exceptions.len()];
    for f in files.iter().filter(|f| in_library_crate(&f.path)) {
        for span in functions(&f.text) {
            let listed = exceptions
                .iter()
                .position(|(p, n, _)| *p == f.path && *n == span.name);
            if let Some(k) = listed {
                found[k] = Some((span.line, span.len));
            }
            match listed {
                _ if span.len <= FN_LENGTH_LIMIT => {}
                Some(k) => used[k] = true,
                None => out.push(Violation {
                    path: f.path.clone(),
                    line: span.line,
                    rule: "fn_length",
                    message: format!(
                        "fn `{}` is {} lines (limit {FN_LENGTH_LIMIT}): split it, \
                        or add it to FN_LENGTH_EXCEPTIONS with a reason",
                        span.name, span.len
                    ),
                }),
            }
        }
    }
    for (k, (path, name, _)) in exceptions.iter().enumerate().filter(|&(k, _)| !used[k]) {
        let (line, state) = match found[k] {
            Some((line, len)) => (line, format!("is {len} lines, within the limit")),
            None => (0, "no longer exists".to_string()),
        };
        let message = format!("stale exception in FN_LENGTH_EXCEPTIONS: fn `{name}` {state}");
        out.push(Violation {
            path: path.to_string(),
            line,
            rule: "fn_length",
            message,
        });
    }
    out
}

struct FnSpan {
    name: String,
    line: usize,
    len: usize,
}

/// The functions with a body in a Rust source, before its `#[cfg(test)]` module.
fn functions(text: &str) -> Vec<FnSpan> {
    let lines: Vec<String> = code_lines(text, false, true)
        .into_iter()
        .map(|(_, l)| l)
        .collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(name) = fn_name(line) else { continue };
        let Some((open_line, one_line)) = body_start(&lines, i) else {
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let close = format!("{indent}}}");
        let end = if one_line {
            Some(open_line)
        } else {
            (open_line + 1..lines.len()).find(|&j| lines[j].trim_end() == close)
        };
        if let Some(end) = end {
            out.push(FnSpan {
                name: name.to_string(),
                line: i + 1,
                len: end - i + 1,
            });
        }
    }
    out
}

/// For a line starting a function (after qualifiers `pub`, `pub(..)`, `const`, `async`,
/// `unsafe`, `extern "C"`: `fn name`), the name.
fn fn_name(line: &str) -> Option<&str> {
    let qualifier = |w: &&str| {
        matches!(*w, "pub" | "const" | "async" | "unsafe" | "extern")
            || w.starts_with("pub(")
            || w.starts_with('"')
    };
    let mut words = line.split_whitespace().skip_while(qualifier);
    let name = words.next().filter(|w| *w == "fn").and(words.next())?;
    let len = name.find(|c| !is_ident(c)).unwrap_or(name.len());
    (len > 0).then(|| &name[..len])
}

/// Where the body of the function starting at `lines[first]` opens: the line of its `{`,
/// and whether the body also closes on that line. `None` for a declaration (the signature
/// ends with `;`; a `;` inside `(..)`/`[..]`, as in `[u8; 4]`, does not count).
fn body_start(lines: &[String], first: usize) -> Option<(usize, bool)> {
    let mut depth = 0i32;
    for (j, line) in lines.iter().enumerate().skip(first) {
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth -= 1,
                ';' if depth == 0 => return None,
                '{' if depth == 0 => {
                    let mut braces = 1;
                    for c in chars.by_ref() {
                        braces += match c {
                            '{' => 1,
                            '}' => -1,
                            _ => 0,
                        };
                        if braces == 0 {
                            return Some((j, true));
                        }
                    }
                    return Some((j, false));
                }
                _ => {}
            }
        }
    }
    None
}

// ---------------------------------------------------------------- rule 7: cli_glue

/// `cli_glue`: the subcommand modules `src/cmd/*.rs` (direct children, not `mod.rs`) never
/// import each other: no `super::`, no `crate::cmd::`. What two subcommands share lives
/// in a library crate or in `src/cmd/mod.rs`. Exception: the `#[cfg(test)]` module (its
/// `use super::*` names its own subcommand), skipped as in `pure`.
fn rule_cli_glue(files: &[SourceFile]) -> Vec<Violation> {
    forbid_texts(
        "cli_glue",
        files,
        is_cmd_module,
        &["super::", "crate::cmd::"],
        true,
        "in a subcommand module: subcommands do not import each other",
    )
}

// ---------------------------------------------------------------- scopes and scanning

fn anywhere(_: &str) -> bool {
    true
}
fn in_pure_crate(path: &str) -> bool {
    crate_of(path).is_some_and(|c| PURE_CRATES.contains(&c))
}
fn in_library_crate(path: &str) -> bool {
    crate_of(path).is_some_and(|c| LIBRARY_CRATES.contains(&c))
}
fn is_cmd_module(path: &str) -> bool {
    path.strip_prefix("src/cmd/")
        .is_some_and(|m| !m.contains('/') && m != "mod.rs")
}

/// The crate (a name in `ALL_CRATES`) a scanned path belongs to.
fn crate_of(path: &str) -> Option<&'static str> {
    if path.starts_with("src/") || path == "Cargo.toml" {
        return Some("cli");
    }
    let first = path.split('/').next()?;
    ALL_CRATES
        .iter()
        .copied()
        .find(|&c| c == first && c != "cli")
}

fn crate_dir(krate: &str) -> &str {
    if krate == "cli" {
        ""
    } else {
        krate
    }
}
fn repo_root() -> &'static Path {
    Path::new(option_env!("CARGO_MANIFEST_DIR").unwrap_or("."))
}

/// The `*.rs` files under `<crate>/src/` of every crate; a missing folder gives none.
fn source_files() -> Vec<SourceFile> {
    let mut out = Vec::new();
    for krate in ALL_CRATES {
        collect_rs(&repo_root().join(crate_dir(krate)).join("src"), &mut out);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

fn collect_rs(dir: &Path, out: &mut Vec<SourceFile>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() && path.file_name().is_some_and(|n| n != "target") {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.extend(read(&path));
        }
    }
}

/// Every crate's `Cargo.toml` that exists.
fn manifest_files() -> Vec<SourceFile> {
    let manifest = |k: &&str| read(&repo_root().join(crate_dir(k)).join("Cargo.toml"));
    ALL_CRATES.iter().filter_map(manifest).collect()
}

fn read(path: &Path) -> Option<SourceFile> {
    let rel = path.strip_prefix(repo_root()).ok()?;
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>();
    let text = std::fs::read_to_string(path).ok()?;
    Some(SourceFile {
        path: rel.join("/"),
        text,
    })
}

// ---------------------------------------------------------------- matching code text

/// One violation per line, in the files `in_scope` accepts, whose code (comments
/// stripped, string literals kept) contains any of `texts`. A text starting with an
/// identifier character matches only at the start of a word (`File::` not in
/// `TraceFile::`). With `before_tests`, lines from `#[cfg(test)]` on are skipped.
fn forbid_texts(
    rule: &'static str,
    files: &[SourceFile],
    in_scope: impl Fn(&str) -> bool,
    texts: &[&str],
    before_tests: bool,
    why: &str,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for f in files.iter().filter(|f| in_scope(&f.path)) {
        for (line, code) in code_lines(&f.text, true, before_tests) {
            let found = texts.iter().copied().filter(|t| contains_text(&code, t));
            let found: Vec<&str> = found.collect();
            if !found.is_empty() {
                let message = format!("`{}` {why}", found.join("`, `"));
                out.push(Violation {
                    path: f.path.clone(),
                    line,
                    rule,
                    message,
                });
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn contains_text(line: &str, text: &str) -> bool {
    let word_start = text.starts_with(is_ident);
    line.match_indices(text)
        .any(|(at, _)| !word_start || !line[..at].ends_with(is_ident))
}

/// Whether `s[at..at + len]` is a whole word.
fn is_word_at(s: &str, at: usize, len: usize) -> bool {
    !s[..at].ends_with(is_ident) && !s[at + len..].starts_with(is_ident)
}

/// The numbered lines (from 1) of a file's code, comments stripped (see `strip_comments`);
/// with `before_tests`, only those before the first line that is exactly `#[cfg(test)]`.
fn code_lines(text: &str, keep_strings: bool, before_tests: bool) -> Vec<(usize, String)> {
    let code = strip_comments(text, !keep_strings);
    let lines = code
        .lines()
        .map(str::to_string)
        .enumerate()
        .map(|(i, l)| (i + 1, l));
    lines
        .take_while(|(_, l)| !(before_tests && l.trim() == "#[cfg(test)]"))
        .collect()
}

/// `text` without its comments (`//`, `///`, `//!`, nested `/* */`), keeping every
/// newline so line numbers stay. String literals (`"..."` with escapes, `r#"..."#`, `b".."`)
/// and char literals are kept, or with `blank_literals` their contents become spaces.
fn strip_comments(text: &str, blank_literals: bool) -> String {
    let c: Vec<char> = text.chars().collect();
    let (mut out, mut i) = (String::with_capacity(text.len()), 0);
    // copies c[from..to], blanking a literal's contents if asked (newlines stay)
    let copy = |out: &mut String, from: usize, to: usize, contents: bool| {
        for &ch in &c[from.min(c.len())..to.min(c.len())] {
            out.push(if contents && blank_literals && ch != '\n' {
                ' '
            } else {
                ch
            });
        }
    };
    // a literal: its opening c[from..open], contents, and closing c[close..end]
    let literal = |out: &mut String, from, open, close, end| {
        copy(out, from, open, false);
        copy(out, open, close, true);
        copy(out, close, end, false);
    };
    while i < c.len() {
        let (start, next) = (i, c.get(i + 1).copied());
        if c[i] == '/' && next == Some('/') {
            i = (i..c.len()).find(|&k| c[k] == '\n').unwrap_or(c.len());
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                match (c[i], c.get(i + 1)) {
                    ('/', Some('*')) => (depth, i) = (depth + 1, i + 2),
                    ('*', Some('/')) => (depth, i) = (depth - 1, i + 2),
                    (ch, _) => {
                        out.extend((ch == '\n').then_some(ch));
                        i += 1;
                    }
                }
                if depth == 0 {
                    break;
                }
            }
        } else if is_ident(c[i]) {
            i = (i..c.len()).find(|&k| !is_ident(c[k])).unwrap_or(c.len());
            let word: String = c[start..i].iter().collect();
            let hashes = c[i..].iter().take_while(|&&h| h == '#').count();
            if (word == "r" || word == "br") && c.get(i + hashes) == Some(&'"') {
                let close: Vec<char> = std::iter::once('"').chain(vec!['#'; hashes]).collect();
                let open = i + hashes + 1;
                let end = (open..c.len())
                    .find(|&k| c[k..].starts_with(&close))
                    .unwrap_or(c.len());
                literal(&mut out, start, open, end, end + close.len());
                i = end + close.len();
            } else {
                copy(&mut out, start, i, false);
            }
        } else if c[i] == '"' {
            let mut end = i + 1;
            while end < c.len() && c[end] != '"' {
                end += if c[end] == '\\' { 2 } else { 1 };
            }
            literal(&mut out, i, i + 1, end, end + 1);
            i = end + 1;
        } else if c[i] == '\'' {
            // a char literal ('x', '\n', '\u{..}'), else a lifetime or label ('a)
            let end = match next {
                Some('\\') => (i + 3..c.len()).find(|&k| c[k] == '\''),
                _ => (c.get(i + 2) == Some(&'\'')).then_some(i + 2),
            };
            let end = end.unwrap_or(i);
            literal(&mut out, i, i + 1, end.max(i + 1), end + 1);
            i = end + 1;
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

// ---------------------------------------------------------------- tests: the repository

fn assert_repo_clean(name: &str) {
    let rule = RULES
        .iter()
        .find(|r| r.name == name)
        .expect("a rule in RULES");
    let v = (rule.check)(&rule.input.files());
    let list: Vec<String> = v.iter().map(|v| v.to_string()).collect();
    assert!(
        v.is_empty(),
        "{} violation(s) of rule `{name}`:\n{}\n",
        v.len(),
        list.join("\n")
    );
}

#[test]
fn repo_process() {
    assert_repo_clean("process")
}
#[test]
fn repo_pure() {
    assert_repo_clean("pure")
}
#[test]
fn repo_deps() {
    assert_repo_clean("deps")
}
#[test]
fn repo_json_edges() {
    assert_repo_clean("json_edges")
}
#[test]
fn repo_family_strings() {
    assert_repo_clean("family_strings")
}
#[test]
fn repo_fn_length() {
    assert_repo_clean("fn_length")
}
#[test]
fn repo_cli_glue() {
    assert_repo_clean("cli_glue")
}

/// A path typo must not make a rule vacuous: each rule sees files of each crate it names.
#[test]
fn every_rule_scans_every_crate_it_names() {
    let (sources, manifests) = (source_files(), manifest_files());
    let mut missing = Vec::new();
    for rule in RULES {
        let files = match rule.input {
            Input::Sources => &sources,
            Input::Manifests => &manifests,
        };
        let in_scope = |f: &&SourceFile, k| crate_of(&f.path) == Some(k) && (rule.scope)(&f.path);
        let seen = |k| files.iter().filter(|f| in_scope(f, k)).count();
        let counts: Vec<(&str, usize)> = rule.crates.iter().map(|&k| (k, seen(k))).collect();
        println!("{:<15} {:<56} {counts:?}", rule.name, rule.summary);
        let empty = counts.iter().filter(|(_, n)| *n == 0);
        missing.extend(empty.map(|(k, _)| format!("{}: {k}", rule.name)));
    }
    assert!(
        missing.is_empty(),
        "rules that scanned no file of a crate they name: {missing:?}"
    );
}

/// Every path named in JSON_EDGES and FN_LENGTH_EXCEPTIONS is a scanned file.
#[test]
fn listed_paths_exist() {
    let sources = source_files();
    let listed = JSON_EDGES
        .iter()
        .map(|&(p, why)| (p, why))
        .chain(FN_LENGTH_EXCEPTIONS.iter().map(|&(p, _, why)| (p, why)));
    let missing: Vec<String> = listed
        .filter(|(p, _)| !sources.iter().any(|f| f.path == *p))
        .map(|(p, why)| format!("{p} ({why})"))
        .collect();
    assert!(
        missing.is_empty(),
        "listed paths that are not scanned files: {missing:#?}"
    );
}

/// Not a check: the five longest functions of the library crates, for the record.
#[test]
fn print_longest_functions() {
    let mut all: Vec<(usize, String)> = source_files()
        .iter()
        .filter(|f| in_library_crate(&f.path))
        .flat_map(|f| {
            functions(&f.text)
                .into_iter()
                .map(move |s| (s.len, format!("{}:{} fn {}", f.path, s.line, s.name)))
        })
        .collect();
    all.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (len, what) in all.iter().take(5) {
        println!("{len:>5} lines  {what}");
    }
}

// ---------------------------------------------------------------- tests: synthetic input

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile {
        path: path.to_string(),
        text: text.to_string(),
    }
}

/// `violations` are exactly of `rule`, at exactly the `expected` (path, line)s.
fn assert_reports(rule: &str, violations: Vec<Violation>, expected: &[(&str, usize)]) {
    let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    let mut got: Vec<_> = violations
        .iter()
        .map(|v| (v.path.as_str(), v.line))
        .collect();
    got.sort();
    assert_eq!(got, expected, "violations:\n{}", list.join("\n"));
    assert!(violations.iter().all(|v| v.rule == rule), "{list:?}");
}

#[test]
fn synthetic_process() {
    let files = [
        file(
            "eda/src/process.rs",
            "use std::process::Command;\n\
            fn run() { Command::new(\"x\").spawn(); }\n",
        ),
        file(
            "eda/src/flow/yosys.rs",
            "fn f(c: &mut Cmd) {\n\
            let s = child.status;\n\
            c.output();\n}\n",
        ),
        file(
            "sim/src/lib.rs",
            "// Command::new in a comment\n\
            fn f() { std::process::Command::new(\"x\"); }\n",
        ),
    ];
    let want = [("eda/src/flow/yosys.rs", 3), ("sim/src/lib.rs", 2)];
    assert_reports("process", rule_process(&files), &want);
}

#[test]
fn synthetic_pure() {
    let files = [
        file(
            "ir/src/lib.rs",
            "//! println! in a doc comment\n\
            use std::fs;\n\
            struct TraceFile;\n\
            fn f() { TraceFile::new() }\n\
            #[cfg(test)]\n\
            mod tests { fn t() { println!(\"x\"); } }\n",
        ),
        file("import/src/lib.rs", "use std::fs;\n"),
        file("wire/src/tb.rs", "fn f() {\n    eprint!(\"x\");\n}\n"),
    ];
    assert_reports(
        "pure",
        rule_pure(&files),
        &[("ir/src/lib.rs", 2), ("wire/src/tb.rs", 2)],
    );
}

#[test]
fn synthetic_deps() {
    let files = [
        file(
            "generator/Cargo.toml",
            "[package]\nname = \"asnn-generator\"\n\n\
            [dependencies]\n\
            asnn-numerics = { path = \"../numerics\" }\n\
            asnn-sim = { path = \"../sim\" }\n\
            serde = \"1\"\n\n\
            [dev-dependencies]\n\
            asnn-sim = { path = \"../sim\" }\n",
        ),
        file(
            "Cargo.toml",
            "[package]\nname = \"asnn\"\n[dependencies]\nasnn-eda = \"1\"\n",
        ),
        file("foo/Cargo.toml", "[package]\nname = \"asnn-foo\"\n"),
    ];
    let want = [("foo/Cargo.toml", 2), ("generator/Cargo.toml", 6)];
    assert_reports("deps", rule_deps(&files), &want);
}

#[test]
fn synthetic_json_edges() {
    let files = [
        file(
            "generator/src/x.rs",
            "use serde_json::{json, map::{Map},\n    Value};\n\
            fn f() { serde_json::to_string(&1); }\n",
        ),
        file(
            "src/models.rs",
            "use serde_json::{json, Value};\nfn f() -> Value { json!(1) }\n",
        ),
        file("eda/src/flow/nextpnr.rs", "fn f(v: serde_json::Value) {}\n"),
        file(
            "eda/src/flow/yosys.rs",
            "// json!( in a comment\n\
            fn f() { let r = json!({\"a\": 1}); }\n",
        ),
    ];
    let want = [("eda/src/flow/yosys.rs", 2), ("generator/src/x.rs", 2)];
    assert_reports("json_edges", rule_json_edges(&files), &want);
}

#[test]
fn synthetic_family_strings() {
    let files = [
        file(
            "generator/src/family/ice40.rs",
            "const LUT: &str = \"SB_LUT4\";\n",
        ),
        file(
            "src/cmd/build.rs",
            "/// SB_LUT4 in a doc comment\n\
            const USB_VID: u16 = 1;\n\
            fn f() { get(\"SB_LUT4\") }\n\
            #[cfg(test)]\n\
            mod tests { const LOG: &str = \"SB_LUT4 1510\"; }\n",
        ),
    ];
    assert_reports(
        "family_strings",
        rule_family_strings(&files),
        &[("src/cmd/build.rs", 3)],
    );
}

/// A function named `name` of `len` lines, with a multi-line signature.
fn long_fn(name: &str, len: usize) -> String {
    let body = "    let _ = a;\n".repeat(len - 5);
    format!("pub(crate) fn {name}(\n    a: [u8; 2],\n) -> u8 {{\n{body}    0\n}}\n")
}

#[test]
fn synthetic_fn_length() {
    let declaration = "trait T {\n    fn decl(&self)\n    where\n        Self: Sized;\n}\n";
    let text = format!(
        "{}{}fn tiny() {{ 0 }}\n{declaration}#[cfg(test)]\n{}",
        long_fn("long", 121),
        long_fn("ok", 120),
        long_fn("in_tests", 200)
    );
    let files = [
        file("generator/src/emit.rs", &text),
        file("src/main.rs", &long_fn("cli", 200)),
    ];
    assert_reports(
        "fn_length",
        check_fn_length(&files, &[]),
        &[("generator/src/emit.rs", 1)],
    );
    let spans = functions(&text);
    let lens: Vec<(&str, usize)> = spans.iter().map(|s| (s.name.as_str(), s.len)).collect();
    assert_eq!(lens, [("long", 121), ("ok", 120), ("tiny", 1)]);
}

#[test]
fn synthetic_fn_length_stale_exceptions() {
    let text = format!("{}{}", long_fn("long", 121), long_fn("ok", 120));
    let files = [file("generator/src/emit.rs", &text)];
    let exceptions = [
        ("generator/src/emit.rs", "long", "excepted: no violation"),
        ("generator/src/emit.rs", "ok", "stale: within the limit"),
        ("generator/src/gone.rs", "run", "stale: no longer exists"),
    ];
    let want = [("generator/src/emit.rs", 122), ("generator/src/gone.rs", 0)];
    assert_reports("fn_length", check_fn_length(&files, &exceptions), &want);
}

#[test]
fn synthetic_cli_glue() {
    let files = [
        file(
            "src/cmd/build.rs",
            "use super::board::X;\n\
            fn f() { crate::cmd::cosim::run() }\n\
            pub(super) fn g() {}\n\
            #[cfg(test)]\n\
            mod tests { use super::*; }\n",
        ),
        file("src/cmd/mod.rs", "use super::common;\n"),
        file("src/main.rs", "fn main() { crate::cmd::run() }\n"),
    ];
    let want = [("src/cmd/build.rs", 1), ("src/cmd/build.rs", 2)];
    assert_reports("cli_glue", rule_cli_glue(&files), &want);
}

#[test]
fn strip_comments_keeps_strings_and_lines() {
    let src = "let a = \"http://x\"; // gone\n\
        let q = '\"'; /* a /* nested */\n b */ let l: &'a str = r#\"// \"kept\"#;\n\
        let e = \"\\\"// still\"; /// doc\n";
    let want = "let a = \"http://x\"; \n\
        let q = '\"'; \n let l: &'a str = r#\"// \"kept\"#;\n\
        let e = \"\\\"// still\"; \n";
    assert_eq!(strip_comments(src, false), want);
    assert_eq!(strip_comments("f(\"a}b\", '{')", true), "f(\"   \", ' ')");
}
