//! The `tidings` binary: parse arguments, run the reader or a headless command, and turn
//! errors into one clear paragraph on stderr with exit status 2.

use std::process::ExitCode;

use clap::Parser;

use tidings::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => tidings::app::run_tui(&cli.global).map(|()| ExitCode::SUCCESS),
        Some(command) => tidings::headless::run(command, &cli.global),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("tidings: {error}");
            ExitCode::from(2)
        }
    }
}
