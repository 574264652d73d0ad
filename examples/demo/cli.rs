//! The demos' command line: the flags each accepts, `--help`, and refusing anything else with the
//! usage line (shared by `examples/demo` and `server/examples/server_demo.rs`).

use std::process::ExitCode;

/// Which button the "customer" presses on the emulator's hosted page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Button {
    Pay,
    PayLater,
    Cancel,
}

impl Button {
    /// The button's label on the hosted page.
    pub fn label(self) -> &'static str {
        match self {
            Button::Pay => "Pay",
            Button::PayLater => "Pay later",
            Button::Cancel => "Cancel",
        }
    }
}

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    pub button: Button,
    /// `--server URL`: a reference server already running (only where the demo offers it).
    pub server: Option<String>,
}

/// The outcome of reading the command line: run, or stop with this exit code (help printed,
/// or a usage error).
pub type Parsed = Result<Args, ExitCode>;

/// Reads `args` (without the program name). `usage` is the demo's usage text: its first line is
/// repeated after an error. `allow_server` says whether `--server URL` is offered.
pub fn parse(args: impl IntoIterator<Item = String>, usage: &str, allow_server: bool) -> Parsed {
    let mut parsed = Args {
        button: Button::Pay,
        server: None,
    };
    let mut args = args.into_iter();
    let mut button_flag: Option<String> = None;
    while let Some(arg) = args.next() {
        let button =
            match arg.as_str() {
                "-h" | "--help" => {
                    println!("{usage}");
                    return Err(ExitCode::SUCCESS);
                }
                "--pay-later" => Button::PayLater,
                "--cancel" => Button::Cancel,
                "--server" if allow_server => match args.next() {
                    Some(url) if !url.starts_with("--") => {
                        parsed.server = Some(url);
                        continue;
                    }
                    _ => {
                        return Err(usage_error(
                            usage,
                            "--server needs the server's URL, e.g. --server http://127.0.0.1:8080",
                        ))
                    }
                },
                "--via-server" => return Err(usage_error(
                    usage,
                    "--via-server is now its own example: cargo run -p checkout-bridge-server --example server_demo",
                )),
                other => return Err(usage_error(usage, &format!("unknown option {other:?}"))),
            };
        if let Some(first) = &button_flag {
            return Err(usage_error(
                usage,
                &format!("{first} and {arg} press different buttons: give one"),
            ));
        }
        button_flag = Some(arg);
        parsed.button = button;
    }
    Ok(parsed)
}

/// Prints `problem` and the usage line to stderr; exit code 2, as for any command-line error.
pub fn usage_error(usage: &str, problem: &str) -> ExitCode {
    eprintln!("error: {problem}");
    eprintln!("{}", usage.lines().next().unwrap_or(usage));
    eprintln!("(--help for more)");
    ExitCode::from(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    const USAGE: &str = "usage: demo [--pay-later | --cancel]\nmore";

    fn parse_args(args: &[&str], allow_server: bool) -> Parsed {
        parse(args.iter().map(|a| a.to_string()), USAGE, allow_server)
    }

    #[test]
    fn flags_choose_the_button_and_server() {
        assert_eq!(
            parse_args(&[], true),
            Ok(Args {
                button: Button::Pay,
                server: None
            })
        );
        assert_eq!(
            parse_args(&["--cancel"], true),
            Ok(Args {
                button: Button::Cancel,
                server: None
            })
        );
        let got = parse_args(&["--pay-later", "--server", "http://127.0.0.1:1"], true);
        assert_eq!(
            got,
            Ok(Args {
                button: Button::PayLater,
                server: Some("http://127.0.0.1:1".into())
            })
        );
    }

    #[test]
    fn anything_else_is_a_usage_error() {
        for bad in [
            &["--bogus"][..],
            &["pay"],
            &["--server"],
            &["--server", "--cancel"],
            &["--cancel", "--pay-later"],
            &["--via-server"],
        ] {
            assert_eq!(parse_args(bad, true), Err(ExitCode::from(2)), "{bad:?}");
        }
        assert_eq!(
            parse_args(&["--server", "http://127.0.0.1:1"], false),
            Err(ExitCode::from(2))
        );
        assert_eq!(parse_args(&["--help"], false), Err(ExitCode::SUCCESS));
    }
}
