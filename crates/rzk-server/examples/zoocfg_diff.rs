//! The rzk side of `tools/zoocfg-diff`: runs every case of a cases file
//! through [`ServerConfig::load`] and prints the same normalised line per
//! case as `ZooCfgDiff.java` prints for ZooKeeper's `QuorumPeerConfig`.
//!
//! ```sh
//! cargo run -p rzk-server --example zoocfg_diff -- tools/zoocfg-diff/cases.txt /tmp/work
//! ```

use std::error::Error;
use std::path::PathBuf;

use rzk_server::config::{LearnerType, ServerConfig};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(cases), Some(work)) = (args.next(), args.next()) else {
        return Err("usage: zoocfg_diff <cases.txt> <work dir>".into());
    };
    let bytes = std::fs::read(&cases)?;
    // ISO-8859-1, as the Java side reads it.
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let name = lines[i].strip_prefix("=== ").ok_or("expected '=== name'")?;
        i += 1;
        let mut myid = None;
        if let Some(m) = lines.get(i).and_then(|l| l.strip_prefix("@myid ")) {
            myid = Some(m);
            i += 1;
        }
        let mut body = Vec::new();
        while i < lines.len() && !lines[i].starts_with("=== ") {
            body.push(lines[i]);
            i += 1;
        }
        let dir = PathBuf::from(&work).join(name);
        std::fs::create_dir_all(&dir)?;
        let cfg_text = body.join("\n").replace("@DIR@", &dir.display().to_string()) + "\n";
        let latin1 = |s: &str| -> Vec<u8> { s.chars().map(|c| c as u8).collect() };
        let cfg = dir.join("zoo.cfg");
        std::fs::write(&cfg, latin1(&cfg_text))?;
        if let Some(m) = myid {
            std::fs::write(dir.join("myid"), latin1(&format!("{m}\n")))?;
        }
        let result = match ServerConfig::load(&cfg) {
            Ok(c) => format!(
                "OK tick={} min={} max={} port={} dist={} sid={} peer={} retain={}",
                c.tick_time.as_millis(),
                c.min_session_timeout.as_millis(),
                c.max_session_timeout.as_millis(),
                c.client_address
                    .as_ref()
                    .map_or("none".to_owned(), |a| a.port.to_string()),
                c.is_distributed(),
                c.server_id.unwrap_or(-1),
                match c.peer_type {
                    LearnerType::Participant => "participant",
                    LearnerType::Observer => "observer",
                },
                c.snap_retain_count,
            ),
            Err(_) => "ERR".to_owned(),
        };
        println!("{name}\t{result}");
    }
    Ok(())
}
