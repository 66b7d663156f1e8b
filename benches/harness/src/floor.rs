//! The transfers alone: each corpus of the linearity curve fetched with nothing parsed or
//! stored, by two clients against the same server, as many requests at once as tidings
//! makes: the barest one (`bare.rs`, plain GETs on keep-alive connections, bodies dropped)
//! and curl (`--parallel`, bodies discarded), when it is installed. What they cost is the
//! floor of a refresh on this machine: the requests, the loopback TCP and the server's own
//! work, which shares the cores with the client. `--scaling` uses it to tell the part of the
//! cost of each feed that belongs to the transfer from the part that belongs to tidings.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::measure::{self, Summary};
use crate::report::{self, thousands};
use crate::suites::{self, Context, RefreshRun, CONCURRENCY};
use crate::Result;

/// What one client cost on one corpus, and what the server cost while it served it.
pub struct Cost {
    pub client: std::result::Result<Summary, String>,
    /// Median CPU time of the server per run.
    pub server_cpu: Option<Duration>,
}

/// The transfers of one corpus, by each client.
pub struct Transfer {
    pub feeds: usize,
    pub items: usize,
    pub bare: Cost,
    pub curl: Option<Cost>,
}

/// The curl to run: `--curl PATH`, else `curl` on PATH.
pub fn find_curl(given: Option<&Path>) -> Option<PathBuf> {
    match given {
        Some(path) if path.is_file() => Some(path.to_path_buf()),
        Some(path) => {
            eprintln!(
                "curl not found at {}: only the barest client is timed",
                path.display()
            );
            None
        }
        None => suites::on_path("curl"),
    }
}

/// Times R runs of each client fetching every feed of `run` (whose server is still up).
pub fn measure(ctx: &Context, curl: Option<&Path>, run: &mut RefreshRun) -> Result<Transfer> {
    let dir = ctx.tmp.join(format!("floor-{}x{}", run.feeds, run.items));
    suites::create_dir(&dir)?;
    let list = dir.join("urls.txt");
    suites::write_file(&list, &(run.urls.join("\n") + "\n"))?;
    let bare = time_client(ctx, run, &dir, "bare client", || {
        let mut cmd = Command::new(&ctx.harness);
        cmd.arg("--internal-fetch").arg(&list);
        cmd
    })?;
    let curl = match curl {
        Some(curl) => {
            // One `url` and one `output` per feed: curl reuses its connections across them.
            let mut text = String::new();
            for url in &run.urls {
                text.push_str(&format!("url = \"{url}\"\noutput = \"/dev/null\"\n"));
            }
            let config = dir.join("urls.curl");
            suites::write_file(&config, &text)?;
            Some(time_client(ctx, run, &dir, "curl", || {
                let mut cmd = Command::new(curl);
                cmd.args(["--silent", "--show-error", "--fail", "--parallel"])
                    .args(["--parallel-max", &CONCURRENCY.to_string()])
                    .arg("--config")
                    .arg(&config);
                cmd
            })?)
        }
        None => None,
    };
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Transfer {
        feeds: run.feeds,
        items: run.items,
        bare,
        curl,
    })
}

/// R timed runs of one client, each checked against what the server answered.
fn time_client(
    ctx: &Context,
    run: &mut RefreshRun,
    dir: &Path,
    name: &str,
    command: impl Fn() -> Command,
) -> Result<Cost> {
    let (out, err) = (dir.join("client.out"), dir.join("client.err"));
    let label = format!("{} x {}", thousands(run.feeds), thousands(run.items));
    eprintln!("{name}, the transfers alone, {label}:");
    let mut samples = Vec::new();
    let mut server_cpu = Vec::new();
    for r in 0..ctx.repeat {
        let before = suites::stats(&mut run._server)?;
        let cpu_before = run._server.cpu().ok();
        let mut cmd = command();
        cmd.stdin(Stdio::null());
        suites::output_files(&mut cmd, &out, &err)?;
        let what = format!("{name} {}/{}", r + 1, ctx.repeat);
        match suites::run_checked(&what, &mut cmd, Some(&err)) {
            Ok(sample) => samples.push(sample),
            Err(e) => {
                return Ok(Cost {
                    client: Err(e),
                    server_cpu: None,
                })
            }
        }
        if let (Some(before), Ok(after)) = (cpu_before, run._server.cpu()) {
            server_cpu.push(after.saturating_sub(before));
        }
        let served = suites::stats(&mut run._server)? - before;
        if served.ok != run.feeds as u64 {
            return Ok(Cost {
                client: Err(format!(
                    "{what}: the server answered {} x 200 for {} feeds",
                    served.ok, run.feeds
                )),
                server_cpu: None,
            });
        }
    }
    Ok(Cost {
        client: Ok(measure::summarize(&samples)),
        server_cpu: measure::median_of(&mut server_cpu),
    })
}

/// The table of what the transfers alone cost, beside tidings' cold refresh, then what they
/// leave of issue 11's target (cost per 1,000 items within 1.2x across 100 x 500, 1,000 x 50
/// and 10,000 x 5).
pub fn print(transfers: &[Transfer], runs: &[RefreshRun], cpus: usize) {
    let cells = |cost: Option<&Cost>| match cost {
        Some(cost) => run_cells(&cost.client, cost.server_cpu),
        None => "— | — | —".into(),
    };
    println!();
    println!(
        "The transfers alone, nothing parsed or stored: the barest client (plain GETs on \
         keep-alive connections, bodies dropped, one thread) and curl --parallel, {CONCURRENCY} \
         requests at once like tidings, on the same corpus and server. The server runs on the \
         same {cpus} cores as the client."
    );
    println!();
    println!("| feeds x items | bare wall | bare CPU | server CPU | curl wall | curl CPU | server CPU | tidings cold wall | tidings CPU | server CPU |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for t in transfers {
        let Some(run) = runs
            .iter()
            .find(|r| r.feeds == t.feeds && r.items == t.items)
        else {
            continue;
        };
        let tidings = run_cells(&run.cold, run.cold_server_cpu);
        println!(
            "| {} x {} | {} | {} | {tidings} |",
            thousands(t.feeds),
            thousands(t.items),
            cells(Some(&t.bare)),
            cells(t.curl.as_ref()),
        );
    }
    let (Some((few, few_run)), Some((many, many_run))) = (
        point(transfers, runs, 100, 500),
        point(transfers, runs, 10_000, 5),
    ) else {
        return;
    };
    let (Ok(few_cold), Ok(many_cold)) = (&few_run.cold, &many_run.cold) else {
        return;
    };
    // The same items over 100x the feeds. The cores are busy during a refresh, so the CPU
    // the extra requests cost (client and server) adds wall time even if spread perfectly.
    let extra_feeds = (many.feeds - few.feeds) as f64;
    let allowed = 0.2 * few_cold.wall_median.as_secs_f64();
    let extra_tidings = many_cold.wall_median.as_secs_f64() - few_cold.wall_median.as_secs_f64();
    println!();
    println!(
        "10,000 x 5 against 100 x 500 (the same 50,000 items over 100x the feeds): tidings takes \
         {extra_tidings:.2} s more. Issue 11's 1.2x allows {allowed:.2} s more (0.2 x {}).",
        report::duration(few_cold.wall_median)
    );
    let clients = [("the barest client", Some(&few.bare), Some(&many.bare))]
        .into_iter()
        .chain([("curl", few.curl.as_ref(), many.curl.as_ref())]);
    for (name, few_cost, many_cost) in clients {
        let (Some(few_cost), Some(many_cost)) = (few_cost, many_cost) else {
            continue;
        };
        let (Some(a), Some(b)) = (
            with_server(&few_cost.client, few_cost.server_cpu),
            with_server(&many_cost.client, many_cost.server_cpu),
        ) else {
            continue;
        };
        let extra = (b - a).max(0.0);
        let floor = extra / cpus.max(1) as f64;
        let left = (allowed - floor).max(0.0) * cpus.max(1) as f64 / extra_feeds;
        println!(
            "- With {name}, the extra transfers use {extra:.2} s more CPU (client and server): \
             at least {floor:.2} s more wall on {cpus} cores even spread perfectly, which \
             leaves {:.0} us of CPU per extra feed for everything else tidings does for a feed.",
            left * 1e6
        );
    }
    if let (Some(a), Some(b)) = (
        with_server(&few_run.cold, few_run.cold_server_cpu),
        with_server(&many_run.cold, many_run.cold_server_cpu),
    ) {
        println!(
            "- tidings uses {:.0} us of CPU per extra feed today (its own and the server's).",
            (b - a).max(0.0) / extra_feeds * 1e6
        );
    }
    print_net(transfers, runs);
}

/// Issue 11's ratio with each client's transfers taken out of tidings' cold wall time: what
/// is left is the work tidings does beyond fetching (parsing, storing, its own requests'
/// overhead beyond that client's), per 1,000 items, for the three shapes of 50,000 items.
fn print_net(transfers: &[Transfer], runs: &[RefreshRun]) {
    const SHAPES: [(usize, usize); 3] = [(100, 500), (1_000, 50), (10_000, 5)];
    type Pick = fn(&Transfer) -> Option<&Cost>;
    let picks: [(&str, Pick); 2] = [
        ("the barest client's", |t| Some(&t.bare)),
        ("curl's", |t| t.curl.as_ref()),
    ];
    for (name, pick) in picks {
        let points: Option<Vec<(Duration, Duration, usize)>> = SHAPES
            .iter()
            .map(|&(feeds, items)| {
                let (t, run) = point(transfers, runs, feeds, items)?;
                let client = pick(t)?.client.as_ref().ok()?;
                let tidings = run.cold.as_ref().ok()?;
                Some((tidings.wall_median, client.wall_median, feeds * items))
            })
            .collect();
        let Some((net, ratio)) = points.and_then(|p| net_costs(&p)) else {
            continue;
        };
        let cells: Vec<String> = net.iter().map(|v| format!("{v:.0}")).collect();
        println!(
            "- Net of {name} transfers (tidings' cold wall minus that client's wall), the cost \
             per 1,000 items of 100 x 500, 1,000 x 50 and 10,000 x 5: {} ms, {ratio:.2}x.",
            cells.join(" / ")
        );
    }
}

/// The transfers and tidings' run of one corpus shape, when both were measured.
fn point<'a>(
    transfers: &'a [Transfer],
    runs: &'a [RefreshRun],
    feeds: usize,
    items: usize,
) -> Option<(&'a Transfer, &'a RefreshRun)> {
    let transfer = transfers
        .iter()
        .find(|t| t.feeds == feeds && t.items == items)?;
    let run = runs.iter().find(|r| r.feeds == feeds && r.items == items)?;
    Some((transfer, run))
}

/// For each (tidings' wall, a client's wall, items): milliseconds per 1,000 items of the
/// difference; and the largest over the smallest. `None` when a client took as long as
/// tidings (nothing left to compare).
fn net_costs(points: &[(Duration, Duration, usize)]) -> Option<(Vec<f64>, f64)> {
    let net: Vec<f64> = points
        .iter()
        .map(|&(tidings, client, items)| {
            tidings.saturating_sub(client).as_secs_f64() * 1e6 / items.max(1) as f64
        })
        .collect();
    let min = net.iter().copied().fold(f64::INFINITY, f64::min);
    let max = net.iter().copied().fold(0.0, f64::max);
    (min > 0.0 && min.is_finite()).then_some((net, max / min))
}

/// Wall, CPU and the server's CPU of one client's runs, as three table cells.
fn run_cells(client: &std::result::Result<Summary, String>, server: Option<Duration>) -> String {
    match client {
        Ok(s) => format!(
            "{} | {} | {}",
            report::duration(s.wall_median),
            report::duration(s.cpu_median),
            server.map_or("—".to_string(), report::duration)
        ),
        Err(_) => "FAILED | — | —".into(),
    }
}

/// A client's CPU plus the server's during its runs, in seconds.
fn with_server(
    client: &std::result::Result<Summary, String>,
    server: Option<Duration>,
) -> Option<f64> {
    let client = client.as_ref().ok()?;
    Some((client.cpu_median + server?).as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::net_costs;
    use std::time::Duration;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn the_net_cost_takes_each_clients_wall_out_per_1000_items() {
        let (net, ratio) = net_costs(&[
            (MS(1_290), MS(103), 50_000),
            (MS(1_460), MS(101), 50_000),
            (MS(1_840), MS(577), 50_000),
        ])
        .unwrap();
        let rounded: Vec<i64> = net.iter().map(|v| (v * 100.0).round() as i64).collect();
        assert_eq!(rounded, vec![2374, 2718, 2526]);
        assert!((ratio - 27.18 / 23.74).abs() < 1e-3, "{ratio}");
    }

    #[test]
    fn a_client_as_slow_as_tidings_leaves_nothing_to_compare() {
        assert!(net_costs(&[(MS(100), MS(100), 1_000), (MS(200), MS(50), 1_000)]).is_none());
        assert!(net_costs(&[]).is_none());
    }
}
