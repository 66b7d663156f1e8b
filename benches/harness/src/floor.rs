//! The transfers alone: each corpus of the linearity curve fetched by curl (`--parallel`,
//! as many at once as tidings fetches, the bodies discarded) from the same server. Nothing
//! is parsed or stored, so what it costs is the floor of a refresh on this machine: the
//! requests, the loopback TCP and the server's own work, which shares the cores with the
//! client. `--scaling` uses it to tell the part of the cost of each feed that belongs to the
//! transfer from the part that belongs to tidings.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::measure::{self, Summary};
use crate::report::{self, thousands};
use crate::suites::{self, Context, RefreshRun, CONCURRENCY};
use crate::Result;

/// curl's cost for one corpus, and the server's while it served curl.
pub struct Transfer {
    pub feeds: usize,
    pub items: usize,
    pub curl: std::result::Result<Summary, String>,
    /// Median CPU time of the server per curl run.
    pub server_cpu: Option<Duration>,
}

/// The curl to run: `--curl PATH`, else `curl` on PATH.
pub fn find_curl(given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(path) => path.is_file().then(|| path.to_path_buf()),
        None => suites::on_path("curl"),
    }
}

/// Times R runs of curl fetching every feed of `run` (whose server is still up).
pub fn measure(ctx: &Context, curl: &Path, run: &mut RefreshRun) -> Result<Transfer> {
    let dir = ctx.tmp.join(format!("floor-{}x{}", run.feeds, run.items));
    suites::create_dir(&dir)?;
    // One `url` and one `output` per feed: curl reuses its connections across them.
    let mut list = String::new();
    for url in &run.urls {
        list.push_str(&format!("url = \"{url}\"\noutput = \"/dev/null\"\n"));
    }
    let config = dir.join("urls.curl");
    suites::write_file(&config, &list)?;
    let err = dir.join("curl.err");
    let label = format!("{} x {}", thousands(run.feeds), thousands(run.items));
    eprintln!("curl, the transfers alone, {label}:");
    let mut samples = Vec::new();
    let mut server_cpu = Vec::new();
    let mut failure = None;
    for r in 0..ctx.repeat {
        let before = suites::stats(&mut run._server)?;
        let cpu_before = run._server.cpu().ok();
        let mut cmd = Command::new(curl);
        cmd.args(["--silent", "--show-error", "--fail", "--parallel"])
            .args(["--parallel-max", &CONCURRENCY.to_string()])
            .arg("--config")
            .arg(&config)
            .stdin(Stdio::null());
        suites::output_files(&mut cmd, &dir.join("curl.out"), &err)?;
        let what = format!("curl {}/{}", r + 1, ctx.repeat);
        match suites::run_checked(&what, &mut cmd, Some(&err)) {
            Ok(sample) => samples.push(sample),
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
        if let (Some(before), Ok(after)) = (cpu_before, run._server.cpu()) {
            server_cpu.push(after.saturating_sub(before));
        }
        let served = suites::stats(&mut run._server)? - before;
        if served.ok != run.feeds as u64 {
            failure = Some(format!(
                "curl run {}: the server answered {} x 200 for {} feeds",
                r + 1,
                served.ok,
                run.feeds
            ));
            break;
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Transfer {
        feeds: run.feeds,
        items: run.items,
        curl: match failure {
            Some(e) => Err(e),
            None => Ok(measure::summarize(&samples)),
        },
        server_cpu: measure::median_of(&mut server_cpu),
    })
}

/// The table of what the transfers alone cost, beside tidings' cold refresh, then what they
/// leave of issue 11's target (cost per 1,000 items within 1.2x across 100 x 500, 1,000 x 50
/// and 10,000 x 5).
pub fn print(transfers: &[Transfer], runs: &[RefreshRun], cpus: usize) {
    let opt = |d: Option<Duration>| d.map_or("—".to_string(), report::duration);
    println!();
    println!(
        "The transfers alone: curl --parallel ({CONCURRENCY} at once, bodies discarded) on the \
         same corpus and server, beside tidings' cold refresh; the server runs on the same \
         {cpus} cores."
    );
    println!();
    println!("| feeds x items | curl wall median | curl CPU | server CPU (curl) | tidings cold wall | tidings CPU | server CPU (tidings) |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for t in transfers {
        let Some(run) = runs
            .iter()
            .find(|r| r.feeds == t.feeds && r.items == t.items)
        else {
            continue;
        };
        let (curl_wall, curl_cpu) = match &t.curl {
            Ok(s) => (
                report::duration(s.wall_median),
                report::duration(s.cpu_median),
            ),
            Err(e) => (format!("FAILED: {e}"), "—".into()),
        };
        let (wall, cpu) = match &run.cold {
            Ok(s) => (
                report::duration(s.wall_median),
                report::duration(s.cpu_median),
            ),
            Err(_) => ("—".into(), "—".into()),
        };
        println!(
            "| {} x {} | {curl_wall} | {curl_cpu} | {} | {wall} | {cpu} | {} |",
            thousands(t.feeds),
            thousands(t.items),
            opt(t.server_cpu),
            opt(run.cold_server_cpu),
        );
    }
    let point = |feeds, items| {
        let transfer = transfers
            .iter()
            .find(|t| t.feeds == feeds && t.items == items)?;
        let run = runs.iter().find(|r| r.feeds == feeds && r.items == items)?;
        Some((transfer, run))
    };
    let (Some((few, few_run)), Some((many, many_run))) = (point(100, 500), point(10_000, 5)) else {
        return;
    };
    let (Ok(few_curl), Ok(many_curl), Ok(few_cold), Ok(many_cold)) =
        (&few.curl, &many.curl, &few_run.cold, &many_run.cold)
    else {
        return;
    };
    let (Some(few_server), Some(many_server)) = (few.server_cpu, many.server_cpu) else {
        return;
    };
    // The same items over 100x the feeds: what the extra requests cost the client and the
    // server together, in CPU. The cores are busy during a refresh, so that CPU adds wall
    // time even if spread perfectly over all of them.
    let extra_cpu = (many_curl.cpu_median + many_server)
        .saturating_sub(few_curl.cpu_median + few_server)
        .as_secs_f64();
    let floor = extra_cpu / cpus.max(1) as f64;
    let allowed = 0.2 * few_cold.wall_median.as_secs_f64();
    let extra_tidings = many_cold.wall_median.as_secs_f64() - few_cold.wall_median.as_secs_f64();
    println!();
    println!(
        "10,000 x 5 against 100 x 500 (the same 50,000 items over 100x the feeds): the \
         transfers alone use {:.2} s more CPU (curl and server), at least {:.2} s more wall \
         on {cpus} cores even spread perfectly; tidings takes {:.2} s more. Issue 11's \
         1.2x allows {:.2} s more (0.2 x {}): {}.",
        extra_cpu,
        floor,
        extra_tidings,
        allowed,
        report::duration(few_cold.wall_median),
        if floor > allowed {
            "below what the extra transfers alone cost on this machine"
        } else {
            "above the floor of the transfers"
        }
    );
}
