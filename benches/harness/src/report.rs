//! Formatting of the results: the Markdown tables on stdout and the machine description.
//! Only formats; never runs a benchmark.

use std::path::Path;
use std::time::Duration;

use super::measure::Summary;

/// A target from issue 6: a wall-time bound and/or a peak-RSS bound (10^6-byte MB).
#[derive(Clone, Copy, Debug, Default)]
pub struct Target {
    pub wall: Option<Duration>,
    pub rss_mb: Option<u64>,
}

impl Target {
    pub const NONE: Target = Target {
        wall: None,
        rss_mb: None,
    };

    pub fn wall(ms: u64) -> Target {
        Target {
            wall: Some(Duration::from_millis(ms)),
            rss_mb: None,
        }
    }

    pub fn with_rss(mut self, mb: u64) -> Target {
        self.rss_mb = Some(mb);
        self
    }

    fn text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(w) = self.wall {
            parts.push(format!("< {}", duration(w)));
        }
        if let Some(mb) = self.rss_mb {
            parts.push(format!("< {mb} MB RSS"));
        }
        if parts.is_empty() {
            "—".to_string()
        } else {
            parts.join(", ")
        }
    }

    fn verdict(&self, s: &Summary) -> &'static str {
        if self.wall.is_none() && self.rss_mb.is_none() {
            return "—";
        }
        let wall_ok = self.wall.is_none_or(|w| s.wall_median < w);
        let rss_ok = self
            .rss_mb
            .is_none_or(|mb| s.max_rss_kib * 1024 < mb * 1_000_000);
        if wall_ok && rss_ok {
            "pass"
        } else {
            "**MISS**"
        }
    }
}

/// One line of the results table.
pub struct Row {
    pub scenario: String,
    pub outcome: Result<Summary, String>,
    pub target: Target,
    /// Only the wall time means something (a moment read off the pty log, not a process).
    pub wall_only: bool,
}

pub fn duration(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs >= 10.0 {
        format!("{secs:.1} s")
    } else if secs >= 1.0 {
        format!("{secs:.2} s")
    } else {
        format!("{} ms", d.as_millis())
    }
}

/// Peak RSS in MB (10^6 bytes), as the targets are written.
pub fn rss(kib: u64) -> String {
    format!("{:.1} MB", (kib * 1024) as f64 / 1e6)
}

pub fn bytes(n: u64) -> String {
    if n >= 1_000_000 {
        format!("{:.1} MB", n as f64 / 1e6)
    } else {
        format!("{:.1} KB", n as f64 / 1e3)
    }
}

/// 50000 -> "50,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn print_table(rows: &[Row]) {
    println!("| scenario | wall median | wall min | CPU user+sys (median) | peak RSS (max) | target | result |");
    println!("|---|---:|---:|---:|---:|---|---|");
    for row in rows {
        match &row.outcome {
            Ok(s) if row.wall_only => println!(
                "| {} | {} | {} | — | — | {} | {} |",
                row.scenario,
                duration(s.wall_median),
                duration(s.wall_min),
                row.target.text(),
                row.target.verdict(s),
            ),
            Ok(s) => println!(
                "| {} | {} | {} | {} | {} | {} | {} |",
                row.scenario,
                duration(s.wall_median),
                duration(s.wall_min),
                duration(s.cpu_median),
                rss(s.max_rss_kib),
                row.target.text(),
                row.target.verdict(s),
            ),
            Err(e) => println!(
                "| {} | — | — | — | — | {} | FAILED: {} |",
                row.scenario,
                row.target.text(),
                e.replace('|', "\\|")
            ),
        }
    }
}

/// What the numbers were measured on.
pub struct Machine {
    pub cpus: usize,
    pub cpu_model: String,
    pub memory: String,
    pub kernel: String,
    pub tidings_version: String,
    pub load_at_start: String,
}

impl Machine {
    pub fn probe(tidings: &Path) -> Machine {
        let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
        let cpuinfo = read("/proc/cpuinfo");
        let cpu_model = cpuinfo
            .lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        let memory = read("/proc/meminfo")
            .lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kib| kib.parse::<u64>().ok())
            .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".into());
        let tidings_version = std::process::Command::new(tidings)
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "unknown".into());
        Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu_model,
            memory,
            kernel: read("/proc/sys/kernel/osrelease").trim().to_string(),
            tidings_version,
            load_at_start: load_average(),
        }
    }

    pub fn print(&self, what: &str) {
        println!("### tidings-bench: {what}");
        println!();
        println!(
            "Machine: {} CPUs ({}), {} RAM, Linux {}; {}; load average at start {}, at end {}; \
             harness peak RSS {} (a floor under the RSS figures).",
            self.cpus,
            self.cpu_model,
            self.memory,
            self.kernel,
            self.tidings_version,
            self.load_at_start,
            load_average(),
            rss(own_max_rss_kib())
        );
        println!();
    }
}

/// This process's own peak RSS (KiB). Linux starts a spawned child's `ru_maxrss` at its
/// parent's peak, so this is a floor under every RSS figure in the tables.
pub fn own_max_rss_kib() -> u64 {
    // SAFETY: rusage is plain old data; getrusage only writes into it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a local.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
        usage.ru_maxrss.max(0) as u64
    } else {
        0
    }
}

/// The 1, 5 and 15 minute load averages, to flag a busy machine.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(50_000), "50,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(duration(Duration::from_millis(1830)), "1.83 s");
        assert_eq!(duration(Duration::from_millis(83)), "83 ms");
        assert_eq!(rss(146_484), "150.0 MB");
    }

    #[test]
    fn verdicts() {
        let s = Summary {
            wall_median: Duration::from_millis(100),
            wall_min: Duration::from_millis(90),
            cpu_median: Duration::from_millis(100),
            max_rss_kib: 50_000,
        };
        assert_eq!(Target::wall(150).verdict(&s), "pass");
        assert_eq!(Target::wall(50).verdict(&s), "**MISS**");
        assert_eq!(Target::wall(150).with_rss(10).verdict(&s), "**MISS**");
        assert_eq!(Target::NONE.verdict(&s), "—");
    }
}
