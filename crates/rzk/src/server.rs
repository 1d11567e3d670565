//! `rzk server [zoo.cfg]`: a standalone server. Without a file it runs on a
//! built-in default (clientPort 2181 on 127.0.0.1, dataDir ./rzk-data,
//! tickTime 2000).

use std::path::PathBuf;

use rzk_server::config::ServerConfig;
use rzk_server::run::{self, RunError};

/// Exit status for a configuration error, as the issue asks of `zoo.cfg`
/// problems (ZooKeeper's own scripts exit 2 on them too).
const CONFIG_ERROR: i32 = 2;

/// Runs the server until SIGINT/SIGTERM; returns the process exit status.
pub fn run(config: Option<PathBuf>) -> i32 {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RZK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cfg = match &config {
        None => ServerConfig::builtin(),
        Some(path) => match ServerConfig::load(path) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("rzk server: {}: {e}", path.display());
                return CONFIG_ERROR;
            }
        },
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("rzk server: cannot start the runtime: {e}");
            return 1;
        }
    };
    let result: Result<(), RunError> = runtime.block_on(async {
        // A configuration problem stops start-up before anything listens.
        run::standalone_config(&cfg)?;
        let listener = run::bind(&cfg).await?;
        run::serve(&cfg, listener, shutdown_signal()).await
    });
    match result {
        Ok(()) => 0,
        Err(
            e
            @ (RunError::EnsembleNotSupported | RunError::NoClientPort | RunError::Setting { .. }),
        ) => {
            eprintln!("rzk server: {e}");
            CONFIG_ERROR
        }
        Err(e) => {
            eprintln!("rzk server: {e}");
            1
        }
    }
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
