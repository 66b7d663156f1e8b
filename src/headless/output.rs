//! Writing to stdout: a closed pipe (`tidings list | head`) is a normal end, not an error.

use std::io::{self, Write};
use std::process::ExitCode;

use crate::app::AppError;

/// Buffered, locked stdout.
pub fn stdout() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::new(io::stdout().lock())
}

/// Maps a write error to an `AppError`.
pub fn write_error(error: io::Error) -> AppError {
    AppError::io("could not write to stdout", error)
}

/// Turns the result of a command into the exit status, treating a broken pipe as success.
pub fn finish(result: Result<ExitCode, AppError>) -> Result<ExitCode, AppError> {
    match result {
        Err(AppError::Io { source, .. }) if source.kind() == io::ErrorKind::BrokenPipe => {
            Ok(ExitCode::SUCCESS)
        }
        other => other,
    }
}

/// Writes and flushes, mapping errors.
pub fn flush(out: &mut impl Write) -> Result<(), AppError> {
    out.flush().map_err(write_error)
}
