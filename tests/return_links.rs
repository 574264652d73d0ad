//! Return links are untrusted input: a table of hostile and malformed links, each rejected for
//! the expected reason, and property tests over arbitrary input.

use checkout_bridge::*;
use proptest::prelude::*;

const BASE: &str = "myapp://checkout";
const HTTPS_BASE: &str = "https://shop.example/checkout";
const STATE: &str = "0123456789abcdef0123456789abcdef";

fn ok(url: &str, base: &str) -> ReturnEvent {
    parse_return_url(url.into(), base.into()).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn reason(url: &str, base: &str) -> String {
    match parse_return_url(url.into(), base.into()) {
        Err(CheckoutError::InvalidReturnUrl { reason }) => reason,
        other => panic!("{url}: expected InvalidReturnUrl, got {other:?}"),
    }
}

#[test]
fn valid_links_in_every_form_a_browser_may_deliver() {
    let s = format!("myapp://checkout/success?session_id=cs_test_a1&state={STATE}");
    let e = ok(&s, BASE);
    assert_eq!(
        e,
        ReturnEvent {
            kind: ReturnKind::Success,
            session_id: Some("cs_test_a1".into()),
            state: STATE.into()
        }
    );
    // Case of scheme and host, trailing slashes, tracking tags, percent-encoded values and path.
    for link in [
        format!("MYAPP://CheckOut/success?session_id=cs_test_a1&state={STATE}"),
        format!("myapp://checkout/success/?session_id=cs_test_a1&state={STATE}"),
        format!("myapp://checkout/success?utm_source=mail&session_id=cs_test_a1&state={STATE}&fbclid=x"),
        format!("myapp://checkout/success?session_id=cs%5Ftest%5Fa1&state={STATE}"),
        format!("myapp://checkout/%73uccess?session_id=cs_test_a1&state={STATE}"),
        format!("myapp://checkout/success?session_id=cs_test_a1&state={STATE}#"),
    ] {
        assert_eq!(ok(&link, BASE), e, "{link}");
    }
    for base in ["myapp://checkout/", "MyApp://checkout"] {
        assert_eq!(ok(&s, base), e, "base {base}");
    }
    let https = ok(
        &format!("https://SHOP.example:443/checkout/success?session_id=cs_1&state={STATE}"),
        HTTPS_BASE,
    );
    assert_eq!(https.session_id.as_deref(), Some("cs_1"));
    let cancel = ok(
        &format!("https://shop.example/checkout/cancel?state={STATE}"),
        HTTPS_BASE,
    );
    assert_eq!((cancel.kind, cancel.session_id), (ReturnKind::Cancel, None));
}

#[test]
fn hostile_and_malformed_links_are_rejected_with_the_expected_reason() {
    let st = STATE;
    let long = format!(
        "myapp://checkout/success?session_id=cs_1&state={st}&pad={}",
        "x".repeat(2100)
    );
    let cases: Vec<(String, &str, &str)> = vec![
        (
            format!("https://evil.example/checkout/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "host",
        ),
        (
            format!("https://shop.example.evil.com/checkout/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "host",
        ),
        (
            format!("https://shop.example@evil.com/checkout/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "credentials",
        ),
        (
            format!("https://shop.example:8443/checkout/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "host",
        ),
        (
            format!("http://shop.example/checkout/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "scheme",
        ),
        (
            format!("myapp2://checkout/success?session_id=cs_1&state={st}"),
            BASE,
            "scheme",
        ),
        (
            format!("my-app://checkout/success?session_id=cs_1&state={st}"),
            BASE,
            "scheme",
        ),
        (
            format!("myapp://checkout.evil/success?session_id=cs_1&state={st}"),
            BASE,
            "host",
        ),
        (
            format!("myapp://evil/checkout/success?session_id=cs_1&state={st}"),
            BASE,
            "host",
        ),
        (
            format!("myapp://checkout/succes?session_id=cs_1&state={st}"),
            BASE,
            "neither",
        ),
        (
            format!("myapp://checkout/success/extra?session_id=cs_1&state={st}"),
            BASE,
            "neither",
        ),
        (
            format!("myapp://checkout/other/success?session_id=cs_1&state={st}"),
            BASE,
            "neither",
        ),
        (
            format!("https://shop.example/checkoutx/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "neither",
        ),
        (
            format!("https://shop.example/success?session_id=cs_1&state={st}"),
            HTTPS_BASE,
            "path",
        ),
        (
            format!("myapp://checkout/success%2Fx?session_id=cs_1&state={st}"),
            BASE,
            "percent-encoding",
        ),
        ("myapp://checkout/success?session_id=cs_1".into(), BASE, "missing state"),
        (
            "myapp://checkout/success?session_id=cs_1&state=".into(),
            BASE,
            "malformed state",
        ),
        (
            "myapp://checkout/success?session_id=cs_1&state=0123456789ABCDEF0123456789ABCDEF".into(),
            BASE,
            "malformed state",
        ),
        (
            "myapp://checkout/success?session_id=cs_1&state=0123456789abcdef0123456789abcde".into(),
            BASE,
            "malformed state",
        ),
        (
            "myapp://checkout/success?session_id=cs_1&state=%2530123456789abcdef0123456789abcde".into(),
            BASE,
            "malformed state",
        ),
        (
            format!("myapp://checkout/success?state={st}"),
            BASE,
            "without session_id",
        ),
        (
            format!("myapp://checkout/success?session_id={{CHECKOUT_SESSION_ID}}&state={st}"),
            BASE,
            "placeholder",
        ),
        (
            format!("myapp://checkout/success?session_id=%7BCHECKOUT_SESSION_ID%7D&state={st}"),
            BASE,
            "placeholder",
        ),
        (
            format!("myapp://checkout/success?session_id=%257BCHECKOUT_SESSION_ID%257D&state={st}"),
            BASE,
            "placeholder",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1&state={st}&state={st}"),
            BASE,
            "more than once",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1&session_id=cs_2&state={st}"),
            BASE,
            "more than once",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1%00&state={st}"),
            BASE,
            "control",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1\0&state={st}"),
            BASE,
            "control",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1&state={st}\r\nX: y"),
            BASE,
            "control",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1%0A&state={st}"),
            BASE,
            "control",
        ),
        (
            format!("myapp://checkout/success?session_id=cs%2F..%2F1&state={st}"),
            BASE,
            "malformed session_id",
        ),
        (
            format!("myapp://checkout/success?session_id={}&state={st}", "a".repeat(256)),
            BASE,
            "malformed session_id",
        ),
        (
            format!("myapp://checkout/success#session_id=cs_1&state={st}"),
            BASE,
            "fragment",
        ),
        (
            format!("myapp://checkout/success?session_id=cs_1#state={st}"),
            BASE,
            "fragment",
        ),
        (long, BASE, "2 KiB"),
        ("not a url at all".into(), BASE, "absolute URL"),
        ("".into(), BASE, "absolute URL"),
        (
            format!("javascript://checkout/success?session_id=cs_1&state={st}"),
            BASE,
            "scheme",
        ),
    ];
    assert!(cases.len() >= 25);
    for (link, base, want) in &cases {
        let got = reason(link, base);
        assert!(
            got.contains(want),
            "{link:?}\n  expected reason containing {want:?}, got {got:?}"
        );
    }
}

#[test]
fn bad_bases_are_invalid_input() {
    for base in [
        "",
        "checkout",
        "myapp://",
        "https://shop.example/checkout?x=1",
        "http://shop.example/checkout",
        "javascript://x",
    ] {
        assert!(
            matches!(build_return_urls(base.into()), Err(CheckoutError::InvalidInput { .. })),
            "{base}"
        );
    }
}

#[test]
fn built_urls_carry_the_literal_placeholder_and_a_fresh_nonce() {
    let a = build_return_urls("https://shop.example/checkout/".into()).expect("urls");
    let b = build_return_urls("https://shop.example/checkout/".into()).expect("urls");
    assert_ne!(a.state, b.state);
    assert_eq!(a.state.len(), 32);
    assert_eq!(
        a.success_url,
        format!(
            "https://shop.example/checkout/success?session_id={{CHECKOUT_SESSION_ID}}&state={}",
            a.state
        )
    );
    assert_eq!(
        a.cancel_url,
        format!("https://shop.example/checkout/cancel?state={}", a.state)
    );
}

fn base_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            "[a-z][a-z0-9+.-]{0,10}",
            "[a-z0-9]{1,12}",
            proptest::option::of("[a-z0-9_-]{1,10}")
        )
            .prop_filter("not a special scheme", |(s, _, _)| !matches!(
                s.as_str(),
                "http" | "https" | "ws" | "wss" | "ftp" | "file" | "javascript" | "data" | "about" | "blob"
            ))
            .prop_map(|(s, h, p)| match p {
                Some(p) => format!("{s}://{h}/{p}"),
                None => format!("{s}://{h}"),
            }),
        ("[a-z0-9]{1,12}\\.[a-z]{2,5}", proptest::option::of("[a-z0-9_-]{1,10}"))
            .prop_map(|(h, p)| format!("https://{h}/{}", p.unwrap_or_default())),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsing_never_panics(link in ".{0,300}", base in base_strategy()) {
        let _ = parse_return_url(link, base);
    }

    #[test]
    fn parsing_never_panics_on_link_shaped_input(tail in "[ -~]{0,200}") {
        let _ = parse_return_url(format!("myapp://checkout/success?{tail}"), BASE.into());
        let _ = parse_return_url(format!("myapp://checkout/{tail}"), BASE.into());
    }

    #[test]
    fn build_then_parse_round_trips(base in base_strategy(), id in "[A-Za-z0-9_]{1,255}") {
        let urls = build_return_urls(base.clone()).expect("valid base");
        let success = urls.success_url.replace(SESSION_ID_PLACEHOLDER, &id);
        let e = parse_return_url(success, base.clone()).expect("success parses");
        prop_assert_eq!(e.kind, ReturnKind::Success);
        prop_assert_eq!(e.session_id.as_deref(), Some(id.as_str()));
        prop_assert_eq!(&e.state, &urls.state);
        let c = parse_return_url(urls.cancel_url.clone(), base).expect("cancel parses");
        prop_assert_eq!((c.kind, c.state), (ReturnKind::Cancel, urls.state));
    }

    /// Changing any character of the state either breaks the link or names another state
    /// (which the flow then finds no pending checkout for).
    #[test]
    fn any_change_to_the_state_is_noticed(pos in 0usize..32, replacement in "[ -~]") {
        let urls = build_return_urls(BASE.into()).expect("urls");
        let mut state: Vec<char> = urls.state.chars().collect();
        let new = replacement.chars().next().unwrap_or('x');
        prop_assume!(state[pos] != new);
        state[pos] = new;
        let tampered: String = state.into_iter().collect();
        let link = format!("myapp://checkout/success?session_id=cs_1&state={}", url::form_urlencoded::byte_serialize(tampered.as_bytes()).collect::<String>());
        match parse_return_url(link, BASE.into()) {
            Err(CheckoutError::InvalidReturnUrl { .. }) => {}
            Ok(e) => prop_assert_ne!(e.state, urls.state),
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
