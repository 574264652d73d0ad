//! `stripe-emulator`: runs the Stripe Checkout emulator on loopback until interrupted.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::ExitCode;

use checkout_bridge_emulator::{Emulator, EmulatorBuilder};

const USAGE: &str = "\
Usage: stripe-emulator [--port N] [--host 127.0.0.1] [--api-key KEY]... [--account-version V] [--exit-on-stdin-eof]

A stateful, Stripe-compatible Checkout Sessions emulator on loopback.

Options:
  --port N              port to listen on (default 0: pick a free one)
  --host ADDR           loopback address to bind (127.0.0.1, ::1 or localhost; default 127.0.0.1)
  --api-key KEY         accept only these keys (repeatable); any other well-formed key gets
                        Stripe's 401. Without it, every well-formed sk_/rk_ key is accepted.
  --account-version V   the API version for requests without Stripe-Version
                        (default 2026-09-30.endive)
  --exit-on-stdin-eof   exit when standard input is closed (so a dying test harness cannot leak it)
  -h, --help            print this help

The first line on stdout is `stripe-emulator listening on http://HOST:PORT`.
The server runs until SIGINT or SIGTERM.";

struct Args {
    builder: EmulatorBuilder,
    addr: SocketAddr,
    exit_on_eof: bool,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut port: u16 = 0;
    let mut host = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let mut exit_on_eof = false;
    let mut builder = Emulator::builder();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{what} needs a value"))
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                port = value("--port")?
                    .parse()
                    .map_err(|_| "--port must be a number from 0 to 65535".to_owned())?
            }
            "--host" => {
                let h = value("--host")?;
                host = if h == "localhost" {
                    IpAddr::V4(Ipv4Addr::LOCALHOST)
                } else {
                    h.parse().map_err(|_| format!("invalid --host {h}"))?
                };
                if !host.is_loopback() {
                    return Err(format!("refusing to listen on non-loopback address {host}"));
                }
            }
            "--api-key" => builder = builder.api_key(value("--api-key")?),
            "--account-version" => builder = builder.account_version(value("--account-version")?),
            "--exit-on-stdin-eof" => exit_on_eof = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let addr = SocketAddr::new(host, port);
    Ok(Some(Args {
        builder: builder.addr(addr),
        addr,
        exit_on_eof,
    }))
}

async fn terminated() {
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("stripe-emulator: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let emulator = match args.builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("stripe-emulator: cannot start on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::stdout();
    let _ = writeln!(out, "stripe-emulator listening on {}", emulator.base_url());
    let _ = out.flush();

    let (eof_tx, eof_rx) = tokio::sync::oneshot::channel::<()>();
    if args.exit_on_eof {
        std::thread::spawn(move || {
            let mut sink = [0u8; 4096];
            let mut stdin = std::io::stdin();
            while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
            let _ = eof_tx.send(());
        });
    } else {
        drop(eof_tx);
    }
    let eof = async move {
        if eof_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = terminated() => {}
        _ = eof => {}
    }
    drop(emulator);
    ExitCode::SUCCESS
}
