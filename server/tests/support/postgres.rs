//! PostgreSQL for the tests that need one, in one place: `CHECKOUT_BRIDGE_TEST_DATABASE_URL` when
//! it is set (scripts/test.sh exports the cluster of `scripts/postgres.sh`); otherwise a
//! throwaway cluster started here with that same script (initdb and pg_ctl in a temporary
//! directory, TLS with a throwaway CA, 127.0.0.1, a free port), stopped and removed when the test
//! process ends; and when the PostgreSQL binaries are not installed, the tests skip with one
//! printed line naming what is missing — except under `CI=true`, where a skip is a failure.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable naming an existing test cluster.
pub const URL_ENV: &str = "CHECKOUT_BRIDGE_TEST_DATABASE_URL";

/// The repository's root (server/ is one level down).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// What is missing to start a cluster here, if anything.
fn missing_tool() -> Option<&'static str> {
    let initdb = std::fs::read_dir("/usr/lib/postgresql").ok().and_then(|versions| {
        versions
            .flatten()
            .map(|v| v.path().join("bin/initdb"))
            .find(|p| p.exists())
    });
    if initdb.is_none() {
        return Some("initdb (PostgreSQL server binaries under /usr/lib/postgresql, Debian package `postgresql`)");
    }
    let on_path = |tool: &str| {
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|d| d.join(tool).exists()))
    };
    if !on_path("openssl") {
        return Some("openssl (for the cluster's throwaway TLS certificates)");
    }
    None
}

fn free_port() -> Option<u16> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()
        .map(|a| a.port())
}

/// Starts a cluster with scripts/postgres.sh and a watchdog that stops it once this process is
/// gone. `None` (with the reason) when the script fails.
fn start_throwaway() -> Result<String, String> {
    let port = free_port().ok_or("no free port on 127.0.0.1")?;
    let dir = std::env::temp_dir().join(format!("cb-test-pg-{}-{port}", std::process::id()));
    let script = repo().join("scripts/postgres.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("start")
        .env("PGTEST_PORT", port.to_string())
        .env("PGTEST_DIR", &dir)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run scripts/postgres.sh: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "scripts/postgres.sh failed: {}",
            String::from_utf8_lossy(&out.stderr).lines().last().unwrap_or("")
        ));
    }
    let url = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    // The watchdog outlives this process (it is reparented), polls for it, then stops the
    // cluster and removes its directory.
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; \
         PGTEST_PORT={port} PGTEST_DIR='{dir}' bash '{script}' stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        dir = dir.display(),
        script = script.display(),
    );
    std::process::Command::new("sh")
        .arg("-c")
        .arg(watchdog)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start the cluster's watchdog: {e}"))?;
    Ok(url)
}

/// The URL of a PostgreSQL for this test process, or `None` when the test should skip (the
/// reason printed once). Under `CI=true` a skip panics instead: CI must run every test.
pub fn url() -> Option<String> {
    static URL: OnceLock<Result<String, String>> = OnceLock::new();
    let found = URL.get_or_init(|| {
        if let Ok(url) = std::env::var(URL_ENV) {
            return Ok(url);
        }
        match missing_tool() {
            Some(tool) => Err(format!(
                "the PostgreSQL tests need {tool}, which is not installed (or set {URL_ENV})"
            )),
            None => start_throwaway(),
        }
    });
    match found {
        Ok(url) => Some(url.clone()),
        Err(why) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("CI=true, and a PostgreSQL test cannot run: {why}")
        }
        Err(why) => {
            static SAID: OnceLock<()> = OnceLock::new();
            // Past the test harness's capture, so the line shows in a plain `cargo test`.
            SAID.get_or_init(|| {
                let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("skipped: {why}\n").as_bytes());
            });
            None
        }
    }
}
