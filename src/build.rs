//! Build script (`build` in Cargo.toml; kept under src/ so the top of the repo stays as
//! README describes it): the version `tidings --version` prints. Built from a git checkout it is the
//! package version followed by the commit (`0.1.0 (9b99779)`, `0.1.0 (9b99779-dirty)` when
//! tracked files differ from it); from a crates.io tarball, or without git, just `0.1.0`.
//! It reruns only when the commit, the index or the sources change, never on every build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let version = std::env::var("CARGO_PKG_VERSION").expect("set by cargo");
    println!("cargo:rerun-if-changed=src/build.rs");
    let full = match git_revision(&manifest_dir) {
        Some(revision) => {
            println!("cargo:rustc-env=TIDINGS_GIT_REVISION={revision}");
            format!("{version} ({revision})")
        }
        None => version,
    };
    println!("cargo:rustc-env=TIDINGS_VERSION={full}");
}

/// What the binary is built from, as paths relative to the package: watched for changes, and
/// what `-dirty` looks at.
const SOURCES: [&str; 4] = ["src", "assets", "Cargo.toml", "Cargo.lock"];

/// `9b99779` or `9b99779-dirty`, when `dir` is the top of a git checkout and git runs.
/// Prints the rerun-if-changed lines that keep it current.
fn git_revision(dir: &Path) -> Option<String> {
    // A crate unpacked inside some other repository is not a checkout of tidings.
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if !same_dir(Path::new(&top), dir) {
        return None;
    }
    let revision = git(dir, &["rev-parse", "--short", "HEAD"])?;
    // Rerun when HEAD moves (a checkout, a commit: HEAD itself or the branch it names), when
    // the index changes (`git add`), or when a source changes (to get `-dirty` right).
    let mut watched = vec![
        "HEAD".to_string(),
        "index".to_string(),
        "packed-refs".to_string(),
    ];
    if let Some(branch) = git(dir, &["rev-parse", "--symbolic-full-name", "HEAD"]) {
        if branch.starts_with("refs/") {
            watched.push(branch);
        }
    }
    for name in &watched {
        if let Some(path) = git(dir, &["rev-parse", "--git-path", name]) {
            let path = dir.join(path);
            // A missing path would make cargo rerun the script on every build.
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    for source in SOURCES {
        if dir.join(source).exists() {
            println!("cargo:rerun-if-changed={source}");
        }
    }
    // `--no-optional-locks`: only look; never rewrite the index (that would rerun the script).
    // Only what goes into the binary counts: an edited README does not make it `-dirty`.
    let mut status = vec![
        "--no-optional-locks",
        "status",
        "--porcelain",
        "--untracked-files=no",
        "--",
    ];
    status.extend(SOURCES);
    let changes = git(dir, &status);
    Some(match changes {
        Some(changes) if !changes.is_empty() => format!("{revision}-dirty"),
        _ => revision,
    })
}

/// The trimmed standard output of a successful git command, else None.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8(output.stdout).ok()?.trim().to_string())
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
