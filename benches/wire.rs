//! Wire-layer costs: encoding a 20-line-item create request, decoding Stripe's full session
//! fixture, and parsing a return link. Run: `cargo bench --bench wire`.

use std::hint::black_box;

use checkout_bridge::*;
use criterion::{criterion_group, criterion_main, Criterion};

fn twenty_items() -> CreateSessionParams {
    let mut p = CreateSessionParams::new(CheckoutMode::Payment);
    for i in 0..20 {
        let mut price = LineItemPrice::inline("usd", 100 + i, format!("Product number {i} & friends"));
        if let LineItemPrice::Inline {
            description, images, ..
        } = &mut price
        {
            *description = Some("A fine product, 100% cotton [size M]".into());
            *images = vec![format!("https://img.example/p/{i}.png")];
        }
        p.line_items.push(LineItemParams::new(price, 1 + i));
    }
    p.success_url = Some("myapp://checkout/success?session_id={CHECKOUT_SESSION_ID}&state=abc".into());
    p.cancel_url = Some("myapp://checkout/cancel?state=abc".into());
    p.customer_email = Some("buyer@example.com".into());
    p.metadata.insert("order".into(), "42".into());
    p
}

fn bench(c: &mut Criterion) {
    let p = twenty_items();
    c.bench_function("encode_create_params/20_line_items", |b| {
        b.iter(|| encode_create_params(black_box(&p)))
    });
    c.bench_function("validate_create_params/20_line_items", |b| {
        b.iter(|| validate_create_params(black_box(&p), 1_800_000_000).is_ok())
    });
    let base = ReturnBase::parse("myapp://checkout").expect("base");
    let link = format!(
        "myapp://checkout/success?session_id={}&state=0123456789abcdef0123456789abcdef",
        "cs_test_a1YS1URlnyQCN5fUUduORoQ7Pw41PJqDWkIVQCpJPqkfIhd6tVY8XB1OLY"
    );
    c.bench_function("parse_return_url/exported_fn", |b| {
        b.iter(|| parse_return_url(black_box(link.clone()), black_box("myapp://checkout".to_owned())).is_ok())
    });
    c.bench_function("parse_return_url/prepared_base", |b| {
        b.iter(|| base.parse_return(black_box(&link)).is_ok())
    });
    let fixture = include_str!("../tests/fixtures/checkout_session_fixture.json");
    c.bench_function("decode_session/stripe_fixture", |b| {
        b.iter(|| serde_json::from_str::<CheckoutSession>(black_box(fixture)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
