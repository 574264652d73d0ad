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

/// `ReturnBase::matches` is the routing question the Android and iOS layers ask ("is this
/// incoming link ours?"): the same grammar as the parser, so the two can never disagree.
#[test]
fn a_prepared_base_matches_its_links_in_every_spelling() {
    let app = ReturnBase::new(BASE).expect("base");
    let web = ReturnBase::new("https://Shop.Example:443/checkout/").expect("base");
    let s = format!("session_id=cs_1&state={STATE}");
    let yes = [
        (&app, format!("myapp://checkout/success?{s}")),
        (&app, format!("myapp://checkout/cancel?state={STATE}")),
        (&app, format!("MYAPP://CheckOut/success?{s}")),
        (&app, format!("myapp://checkout/success/?{s}")),
        (&app, format!("myapp://checkout/%73uccess?{s}")),
        (&app, format!("myapp://checkout/%63ancel?state={STATE}")),
        (&app, format!("myapp://checkout/success?{s}#")),
        // Addressed to us but malformed: matches, and handle_return_url then says why.
        (&app, "myapp://checkout/success".to_owned()),
        (&app, "myapp://checkout/success?state=short".to_owned()),
        (&app, format!("myapp://checkout/success?{s}#frag")),
        (&app, format!("myapp://user@checkout/success?{s}")),
        (&web, format!("https://shop.example/checkout/success?{s}")),
        (&web, format!("https://shop.example:443/checkout/success?{s}")),
        (&web, format!("https://SHOP.EXAMPLE/checkout/cancel?state={STATE}")),
        (&web, format!("https://shop%2Eexample/checkout/success?{s}")),
        (&web, format!("https://shop.example/check%6Fut/success?{s}")),
        (&web, format!("https://shop.example/checkout/success?utm_source=x&{s}")),
    ];
    for (base, link) in &yes {
        assert!(base.matches(link), "{base} should match {link}");
    }
    let no = [
        (&app, format!("otherapp://checkout/success?{s}")),
        (&app, format!("myapp://checkout.evil/success?{s}")),
        (&app, format!("myapp://%63heckout/success?{s}")), // an app scheme's host is not decoded
        (&app, format!("myapp://checkout:443/success?{s}")),
        (&app, format!("myapp://checkout/other?{s}")),
        (&app, format!("myapp://checkout/success/extra?{s}")),
        (&app, format!("myapp://checkout?{s}")),
        (&app, format!("myapp://checkout/%2Fsuccess?{s}")),
        (&app, "not a url".to_owned()),
        (&app, String::new()),
        (&web, format!("http://shop.example/checkout/success?{s}")),
        (&web, format!("https://shop.example:8443/checkout/success?{s}")),
        (&web, format!("https://shop.example.evil.com/checkout/success?{s}")),
        (&web, format!("https://shop.example/checkout-other/success?{s}")),
        (&web, format!("https://shop.example/CHECKOUT/success?{s}")),
        (&web, format!("https://shop.example/success?{s}")),
    ];
    for (base, link) in &no {
        assert!(!base.matches(link), "{base} should not match {link}");
        assert!(
            matches!(base.parse_return(link), Err(CheckoutError::InvalidReturnUrl { .. })),
            "{link}"
        );
    }
}

#[test]
fn a_prepared_base_names_its_parts_for_the_platforms() {
    let web = ReturnBase::new("HTTPS://Shop.Example:443/checkout/").expect("base");
    assert_eq!(
        (web.scheme(), web.host(), web.path()),
        ("https".into(), "shop.example".into(), "/checkout".into())
    );
    assert_eq!(web.to_string(), "https://shop.example/checkout");
    let app = ReturnBase::new("MyApp://Checkout").expect("base");
    assert_eq!(
        (app.scheme(), app.host(), app.path()),
        ("myapp".into(), "checkout".into(), String::new())
    );
    assert_eq!(app.to_string(), "myapp://checkout");
    let local = ReturnBase::new("http://127.0.0.1:8080/r").expect("loopback base");
    assert_eq!(local.to_string(), "http://127.0.0.1:8080/r");
    assert!(local.matches(&format!("http://127.0.0.1:8080/r/cancel?state={STATE}")));
    assert!(!local.matches(&format!("http://127.0.0.1:8081/r/cancel?state={STATE}")));
    assert!(matches!(
        ReturnBase::new("javascript://x"),
        Err(CheckoutError::InvalidInput { .. })
    ));
    // The prepared base and the one-shot function give the same answer.
    let link = format!("https://shop.example/checkout/success?session_id=cs_9&state={STATE}");
    assert_eq!(
        web.parse_return(&link).expect("parses"),
        ok(&link, "https://shop.example/checkout")
    );
}

#[test]
fn the_flow_answers_whether_a_link_is_its_own() {
    let dir = std::env::temp_dir().join(format!("cb-links-{}", new_idempotency_key().unwrap()));
    let store = FileStore::open(dir.display().to_string()).expect("store");
    let client = CheckoutClient::new(
        ClientConfig::new(Credential::secret_key("sk_test_links")).with_base_url("http://127.0.0.1:9"),
    )
    .expect("client");
    let flow = CheckoutFlow::new(client, "https://shop.example:443/checkout".into(), store).expect("flow");
    assert_eq!(flow.return_base().to_string(), "https://shop.example/checkout");
    assert!(flow.is_return_link(&format!(
        "https://SHOP.example/checkout/%73uccess?session_id=cs_1&state={STATE}"
    )));
    assert!(flow.is_return_link("https://shop.example/checkout/cancel"));
    assert!(!flow.is_return_link("https://shop.example/account/orders"));
    assert!(!flow.is_return_link("myapp://checkout/success"));
    let _ = std::fs::remove_dir_all(dir);
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

    /// Whatever the parser accepts is a match, and whatever does not match the parser rejects:
    /// one grammar, so a platform layer routing by `matches` never drops one of our links.
    #[test]
    fn matching_and_parsing_agree(
        prefix in prop_oneof![Just("myapp://checkout".to_owned()), Just("MYAPP://CHECKOUT".to_owned()), Just("myapp://checkout:1".to_owned()),
                              Just("myapp://other".to_owned()), Just("https://checkout".to_owned()), Just("myapp:/checkout".to_owned())],
        path in prop_oneof![Just("/success".to_owned()), Just("/cancel".to_owned()), Just("/%73uccess".to_owned()), Just("/success/".to_owned()),
                            Just("/succes".to_owned()), Just("".to_owned()), Just("/cancel/x".to_owned()), "[ -~]{0,12}"],
        query in prop_oneof![Just(format!("?session_id=cs_1&state={STATE}")), Just(format!("?state={STATE}")),
                             "[ -~]{0,40}"],
    ) {
        let base = ReturnBase::new(BASE).expect("base");
        let link = format!("{prefix}{path}{query}");
        let parsed = base.parse_return(&link);
        if parsed.is_ok() {
            prop_assert!(base.matches(&link), "parsed but did not match: {}", link);
        }
        if !base.matches(&link) {
            prop_assert!(parsed.is_err(), "did not match but parsed: {}", link);
        }
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
