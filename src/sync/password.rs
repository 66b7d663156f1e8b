//! Getting the sync password from where `[sync]` says: a command run without a shell, an
//! environment variable, or the config file. The password is never logged or shown.

use std::io::IsTerminal;
use std::process::{Command, Stdio};

use crate::config::{PasswordSource, Secret};

use super::error::PasswordError;

/// Resolves the password. A `password_command` inherits stderr, and stdin when it is a
/// terminal (so `pass` or `gpg` can ask for a passphrase); its first output line is the
/// password. Blocks while the command runs: call it before a full-screen UI takes the terminal.
pub fn resolve_password(source: &PasswordSource) -> Result<Secret, PasswordError> {
    match source {
        PasswordSource::Inline(secret) if secret.is_empty() => Err(PasswordError::Empty),
        PasswordSource::Inline(secret) => Ok(secret.clone()),
        PasswordSource::Env(name) => match std::env::var_os(name) {
            None => Err(PasswordError::EnvMissing { name: name.clone() }),
            Some(v) => match v.into_string() {
                Ok(s) if !s.is_empty() => Ok(Secret::new(s)),
                _ => Err(PasswordError::EnvUnusable { name: name.clone() }),
            },
        },
        PasswordSource::Command(argv) => run_command(argv),
    }
}

fn run_command(argv: &[String]) -> Result<Secret, PasswordError> {
    let program = argv.first().cloned().unwrap_or_default();
    let interactive = std::io::stdin().is_terminal();
    let output = Command::new(&program)
        .args(&argv[1..])
        .stdin(if interactive {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .stderr(Stdio::inherit())
        .stdout(Stdio::piped())
        .output()
        .map_err(|e| PasswordError::Spawn {
            program: program.clone(),
            detail: e.to_string(),
        })?;
    if !output.status.success() {
        return Err(PasswordError::Failed {
            program,
            status: output.status.to_string(),
        });
    }
    let text = String::from_utf8(output.stdout).map_err(|_| PasswordError::NotText {
        program: program.clone(),
    })?;
    let first = text.lines().next().unwrap_or("");
    if first.is_empty() {
        return Err(PasswordError::EmptyOutput { program });
    }
    Ok(Secret::new(first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_first_line_is_the_password() {
        let argv = vec!["printf".to_string(), "s3cret\\nsecond line\\n".to_string()];
        let got = resolve_password(&PasswordSource::Command(argv)).unwrap();
        assert_eq!(got.expose(), "s3cret");
    }

    #[test]
    fn command_failures_say_which_program() {
        let err = resolve_password(&PasswordSource::Command(vec!["false".into()])).unwrap_err();
        assert!(matches!(err, PasswordError::Failed { .. }), "{err}");
        assert!(err.to_string().contains("`false`"));
        let err = resolve_password(&PasswordSource::Command(vec![
            "/nonexistent/tidings-pass".into()
        ]))
        .unwrap_err();
        assert!(matches!(err, PasswordError::Spawn { .. }), "{err}");
        let err = resolve_password(&PasswordSource::Command(vec!["true".into()])).unwrap_err();
        assert!(matches!(err, PasswordError::EmptyOutput { .. }), "{err}");
    }

    #[test]
    fn env_and_inline() {
        let name = "TIDINGS_TEST_SYNC_PASSWORD_UNSET_4711";
        let err = resolve_password(&PasswordSource::Env(name.into())).unwrap_err();
        assert!(err.to_string().contains(name));
        let got = resolve_password(&PasswordSource::Inline(Secret::new("pw"))).unwrap();
        assert_eq!(got.expose(), "pw");
        assert!(resolve_password(&PasswordSource::Inline(Secret::new(""))).is_err());
    }
}
