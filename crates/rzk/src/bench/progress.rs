//! The live progress line on stderr: throughput so far, throughput over
//! the last interval, errors. On a terminal it rewrites one line; into a
//! file (a script's log) it appends one line per interval.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::clock;
use super::control::{Control, Phase};

/// A running progress line; [`Progress::finish`] ends it.
#[derive(Debug)]
pub struct Progress {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts printing every `every` what `ctl` counts.
    pub fn start(ctl: Arc<Control>, every: Duration) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let tty = std::io::stderr().is_terminal();
            let begun = clock::now();
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            let mut last = (0u64, clock::now());
            loop {
                tokio::select! {
                    biased;
                    _ = &mut stopped => break,
                    _ = tick.tick() => {}
                }
                let now = clock::now();
                let line = match ctl.phase() {
                    Phase::Warmup => format!(
                        "[{:6.1}s] warm-up: {} ops, {} errors",
                        (now - begun).as_secs_f64(),
                        ctl.warmed(),
                        ctl.errors()
                    ),
                    _ => {
                        let done = ctl.measured();
                        let since = ctl.started().unwrap_or(begun);
                        let total = (now - since).as_secs_f64().max(1e-9);
                        let window = (now - last.1).as_secs_f64().max(1e-9);
                        let recent = done.saturating_sub(last.0);
                        last = (done, now);
                        format!(
                            "[{:6.1}s] {} ops, {:.0}/s so far, {:.0}/s now, {} errors",
                            (now - begun).as_secs_f64(),
                            done,
                            done as f64 / total,
                            recent as f64 / window,
                            ctl.errors()
                        )
                    }
                };
                let mut err = std::io::stderr().lock();
                let _ = if tty {
                    write!(err, "\r\x1b[2K{line}")
                } else {
                    writeln!(err, "{line}")
                };
                let _ = err.flush();
            }
            if tty {
                let _ = writeln!(std::io::stderr());
            }
        });
        Self {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stops the line (ending it with a newline on a terminal).
    pub async fn finish(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}
