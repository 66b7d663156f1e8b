//! Runs one child process and measures it: wall time, user+sys CPU time and peak RSS, from
//! the kernel's own accounting (`wait4`). Never measures the harness itself.

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

/// One measured run.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    pub wall: Duration,
    /// User + system CPU time of the child and of every descendant it reaped.
    pub cpu: Duration,
    /// Largest resident set of the child or of any descendant it reaped (KiB, Linux).
    pub max_rss_kib: u64,
    /// Exit code, or 128 + signal.
    pub exit: i32,
}

fn timeval(tv: libc::timeval) -> Duration {
    Duration::from_secs(tv.tv_sec.max(0) as u64) + Duration::from_micros(tv.tv_usec.max(0) as u64)
}

/// Spawns `cmd` and waits for it with `wait4`, which returns the child's rusage (for a
/// zombie the kernel reports the child's own usage plus that of the children it reaped,
/// and the largest max-RSS among them).
pub fn run(cmd: &mut Command) -> io::Result<Sample> {
    let started = Instant::now();
    let child = cmd.spawn()?;
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals; pid is our own child, not yet reaped (std's
        // `Child` only reaps in `wait`/`try_wait`, which we never call).
        let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if r == pid {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
    let wall = started.elapsed();
    drop(child);
    let exit = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    Ok(Sample {
        wall,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss.max(0) as u64,
        exit,
    })
}

/// Median and minimum over repeated samples.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    pub wall_median: Duration,
    pub wall_min: Duration,
    pub cpu_median: Duration,
    /// The largest peak RSS over the repeats.
    pub max_rss_kib: u64,
}

pub fn summarize(samples: &[Sample]) -> Summary {
    assert!(!samples.is_empty(), "summarize needs at least one sample");
    let mut walls: Vec<Duration> = samples.iter().map(|s| s.wall).collect();
    let mut cpus: Vec<Duration> = samples.iter().map(|s| s.cpu).collect();
    walls.sort();
    cpus.sort();
    Summary {
        wall_median: median(&walls),
        wall_min: walls[0],
        cpu_median: median(&cpus),
        max_rss_kib: samples.iter().map(|s| s.max_rss_kib).max().unwrap_or(0),
    }
}

/// Median of unsorted durations (sorts them), `None` when there are none.
pub fn median_of(values: &mut [Duration]) -> Option<Duration> {
    if values.is_empty() {
        return None;
    }
    values.sort();
    Some(median(values))
}

/// Median of a sorted slice (mean of the two middle values for an even count).
fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_sorts_first_and_has_none_for_nothing() {
        let ms = Duration::from_millis;
        assert_eq!(median_of(&mut []), None);
        assert_eq!(median_of(&mut [ms(30), ms(10), ms(20)]), Some(ms(20)));
        assert_eq!(median_of(&mut [ms(40), ms(10)]), Some(ms(25)));
    }

    #[test]
    fn measures_a_child() {
        let s = run(Command::new("sh").args(["-c", "exit 3"])).unwrap();
        assert_eq!(s.exit, 3);
        assert!(s.max_rss_kib > 0);
    }

    #[test]
    fn median_of_even_and_odd() {
        let ms = Duration::from_millis;
        let sample = |w| Sample {
            wall: ms(w),
            cpu: ms(w),
            max_rss_kib: w,
            exit: 0,
        };
        let s = summarize(&[sample(30), sample(10), sample(20)]);
        assert_eq!(
            (s.wall_median, s.wall_min, s.max_rss_kib),
            (ms(20), ms(10), 30)
        );
        let s = summarize(&[sample(40), sample(10), sample(20), sample(30)]);
        assert_eq!(s.wall_median, ms(25));
    }
}
