//! `rzk bench`: load drivers for side-by-side measurements. The first
//! workload is connection scale: hold N idle sessions on one server and
//! read the server's resident memory.

use std::time::Duration;

use rzk_client::Client;

/// Reads `VmRSS` (kB) of process `pid` from /proc.
fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Opens `sessions` sessions against `server` (a few at a time), holds them
/// idle for `hold`, then prints the server's RSS before and after. Returns
/// the exit status.
pub fn idle_sessions(server: &str, sessions: usize, hold: Duration, pid: u32) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rzk bench: {e}");
            return 1;
        }
    };
    runtime.block_on(async move {
        let Some(before) = rss_kb(pid) else {
            eprintln!("rzk bench: cannot read /proc/{pid}/status");
            return 1;
        };
        let mut held = Vec::with_capacity(sessions);
        for chunk in 0..sessions.div_ceil(100) {
            let n = 100.min(sessions - chunk * 100);
            let mut pending = Vec::with_capacity(n);
            for _ in 0..n {
                pending.push(tokio::spawn(
                    Client::builder(server.to_string())
                        .session_timeout(Duration::from_secs(30))
                        .connect(),
                ));
            }
            for p in pending {
                match p.await {
                    Ok(Ok(c)) => held.push(c),
                    Ok(Err(e)) => {
                        eprintln!("rzk bench: session {}: {e}", held.len());
                        return 1;
                    }
                    Err(e) => {
                        eprintln!("rzk bench: {e}");
                        return 1;
                    }
                }
            }
        }
        tokio::time::sleep(hold).await;
        let Some(after) = rss_kb(pid) else {
            eprintln!("rzk bench: cannot read /proc/{pid}/status");
            return 1;
        };
        let per = (after.saturating_sub(before) as f64) * 1024.0 / held.len().max(1) as f64;
        println!(
            "sessions={} rss_before_kb={before} rss_after_kb={after} bytes_per_session={per:.0}",
            held.len()
        );
        for c in &held {
            let _ = c.close().await;
        }
        0
    })
}
