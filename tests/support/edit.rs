//! Editing a file that the program under test watches (the config file of a running reader).

use std::io::Write;
use std::path::Path;

/// Writes `text` over the file in place (the same file, as `echo >` or an editor that saves
/// in place does), without truncating it first: the empty file between a truncation and the
/// write would be a config without feeds, and on a loaded machine it can outlast the
/// watcher's settling time and be applied.
pub fn write_in_place(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.write_all(text.as_bytes()).unwrap();
    file.set_len(text.len() as u64).unwrap();
}
