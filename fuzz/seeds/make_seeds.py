#!/usr/bin/env python3
"""Writes the hand-made seed inputs of each fuzz target into fuzz/corpus/<target>/ (scripts/fuzz.sh
runs it when a corpus is missing; the committed corpus is these plus what `cargo fuzz cmin` kept).
Every seed is a realistic input: the links the library builds and Stripe redirects to, Stripe's
session fixture, signature headers as Stripe sends them, the forms the client and Stripe's docs
send."""
import hashlib
import hmac
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "corpus")
STATE = "0123456789abcdef0123456789abcdef"
SID = "cs_test_a1b2C3d4E5f6g7H8i9J0kLmNoPqRsTuVwXyZ"


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# return_url: selector byte (0-3: a fixed base, 4: "BASE\nLINK"), then the link.
links = {
    "success": (0, f"myapp://checkout/success?session_id={SID}&state={STATE}"),
    "cancel": (0, f"myapp://checkout/cancel?state={STATE}"),
    "https-success": (1, f"https://shop.example/checkout/success?session_id={SID}&state={STATE}"),
    "https-tracking": (1, f"https://shop.example/checkout/success?utm_source=x&session_id={SID}&state={STATE}"),
    "port-base": (2, f"https://shop.example:8443/a/b/cancel/?state={STATE}"),
    "encoded-path": (1, f"https://SHOP.example:443/checkout/%73uccess?session_id={SID}&state={STATE}#"),
    "placeholder": (0, f"myapp://checkout/success?session_id={{CHECKOUT_SESSION_ID}}&state={STATE}"),
    "duplicate-state": (0, f"myapp://checkout/cancel?state={STATE}&state={STATE}"),
    "userinfo": (1, f"https://shop.example@evil.example/checkout/success?session_id={SID}&state={STATE}"),
    "dot-segments": (3, f"com.example.app://pay/return/../return/cancel?state={STATE}"),
    "own-base": (4, f"myapp://checkout/v2\nmyapp://checkout/v2/success?session_id={SID}&state={STATE}"),
    "own-base-https": (4, f"https://shop.example/a%20b\nhttps://shop.example/a%20b/cancel?state={STATE}"),
}
for name, (sel, link) in links.items():
    write("return_url", name, bytes([sel]) + link.encode())

# session_json: Stripe's fixture, the same with secrets quoted in wrong-typed fields (@@), and
# sessions as the emulator and a backend send them.
fixture = open("/work/shared/stripe-reference/checkout_session_fixture.json", "rb").read() \
    if os.path.exists("/work/shared/stripe-reference/checkout_session_fixture.json") else None
if fixture:
    write("session_json", "stripe-fixture", fixture)
minimal = {"id": SID, "object": "checkout.session", "payment_status": "paid", "mode": "payment",
           "status": "complete", "currency": "usd", "amount_subtotal": 4000, "amount_total": 4464,
           "expires_at": 1800086400, "created": 1800000000, "livemode": False,
           "total_details": {"amount_discount": 400, "amount_shipping": 500, "amount_tax": 364},
           "shipping_cost": {"amount_subtotal": 500, "amount_tax": 44, "amount_total": 544, "shipping_rate": "shr_1"},
           "customer": {"id": "cus_1", "object": "customer"}, "payment_intent": "pi_1",
           "metadata": {"order_id": "42"}, "payment_method_types": ["card", "link"],
           "discounts": [{"coupon": "co_1", "promotion_code": None}]}
write("session_json", "paid-with-extras", json.dumps(minimal))
write("session_json", "open-unknown-enums", json.dumps(dict(minimal, status="reopened", payment_status="pending_review", mode="installments", url="https://checkout.stripe.com/c/pay/" + SID)))
write("session_json", "secret-in-wrong-type", json.dumps(dict(minimal, livemode="@@")))
write("session_json", "secret-in-amount", json.dumps(dict(minimal, amount_total="@@", metadata={"k": 1})))
write("session_json", "truncated", json.dumps(minimal)[:200])

# stripe_signature: "HEADER\nPAYLOAD"; headers as Stripe sends them (t, v1, and v0 in test mode).
SECRET = b"whsec_fuzz_0123456789abcdef"
event = json.dumps({"id": "evt_1", "object": "event", "type": "checkout.session.completed",
                    "created": 1800000000, "livemode": False,
                    "data": {"object": {"id": SID, "object": "checkout.session"}}}).encode()


def sig(t, payload, secret=SECRET):
    return hmac.new(secret, str(t).encode() + b"." + payload, hashlib.sha256).hexdigest()


t = 1800000000
write("stripe_signature", "stripe-signed", f"t={t},v1={sig(t, event)}".encode() + b"\n" + event)
write("stripe_signature", "rolled-secret", f"t={t},v1={sig(t, event, b'whsec_old')},v1={sig(t, event)},v0={'6f' * 32}".encode() + b"\n" + event)
write("stripe_signature", "stripe-docs-example", b"t=1492774577,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd,v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39\n{}")
write("stripe_signature", "stale", f"t={t - 301},v1={sig(t - 301, event)}".encode() + b"\n" + event)
write("stripe_signature", "spaces-and-upper", f" t={t} , v1={sig(t, event).upper()} ".encode() + b"\n" + event)
write("stripe_signature", "too-many", (f"t={t}," + ",".join(["v1=" + "00" * 32] * 9)).encode() + b"\n" + event)
write("stripe_signature", "signed-not-event", f"t={t},v1={sig(t, b'[1,2]')}".encode() + b"\n[1,2]")

# server_create_form: forms as the core client encodes them (encode_create_params).
forms = {
    "inline-payment": "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=1999"
                      "&line_items[0][price_data][product_data][name]=T-shirt&line_items[0][quantity]=1"
                      f"&success_url=myapp%3A%2F%2Fcheckout%2Fsuccess%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26state%3D{STATE}"
                      f"&cancel_url=myapp%3A%2F%2Fcheckout%2Fcancel%3Fstate%3D{STATE}&customer_email=a%40example.com"
                      "&client_reference_id=order-7&metadata[order_id]=7&origin_context=mobile_app",
    "price-ids": "mode=subscription&line_items[0][price]=price_plan&line_items[0][quantity]=1"
                 "&line_items[1][price]=price_tee&line_items[1][quantity]=2"
                 "&success_url=https%3A%2F%2Fshop.example%2Fcheckout%2Fsuccess%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D"
                 "&expires_at=1800003600&locale=fr",
    "recurring-inline": "mode=subscription&line_items[0][price_data][currency]=eur&line_items[0][price_data][unit_amount]=900"
                        "&line_items[0][price_data][product_data][name]=Plan&line_items[0][price_data][product_data][images][0]=https%3A%2F%2Fi.example%2Fa.png"
                        "&line_items[0][price_data][recurring][interval]=month&line_items[0][price_data][recurring][interval_count]=3"
                        "&line_items[0][quantity]=1&success_url=myapp://checkout/success&allow_promotion_codes=false",
    "setup-mode": "mode=setup&success_url=myapp://checkout/success&payment_method_types[0]=card&payment_method_types[1]=link",
    "hostile-url": "mode=payment&line_items[0][price]=price_tee&line_items[0][quantity]=1"
                   "&success_url=myapp://checkout/../other/success&cancel_url=https://shop.example@evil.example/checkout",
    "overflow": "mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=4611686018427387904"
                "&line_items[0][price_data][product_data][name]=a&line_items[0][quantity]=4"
                "&line_items[1][price_data][currency]=USD&line_items[1][price_data][unit_amount]=-9223372036854775000"
                "&line_items[1][price_data][product_data][name]=b&line_items[1][quantity]=1&success_url=myapp://checkout/success",
}
for name, body in forms.items():
    write("server_create_form", name, body)

# emulator_form: version selector byte, then the form, as the library and Stripe's docs send it.
emu = dict(forms)
emu["append-and-nested"] = ("mode=payment&line_items[0][price]=price_1&line_items[0][quantity]=2&payment_method_types[]=card"
                            "&payment_method_types[]=link&metadata[a]=b&success_url=https://example.com/s"
                            "&shipping_options[0][shipping_rate_data][display_name]=Post"
                            "&shipping_options[0][shipping_rate_data][fixed_amount][amount]=500"
                            "&shipping_options[0][shipping_rate_data][fixed_amount][currency]=usd"
                            "&shipping_options[0][shipping_rate_data][type]=fixed_amount")
emu["discounts-tax"] = ("mode=payment&line_items[0][price_data][currency]=usd&line_items[0][price_data][unit_amount]=2000"
                        "&line_items[0][price_data][product_data][name]=Tea&line_items[0][quantity]=3"
                        "&line_items[0][adjustable_quantity][enabled]=true&line_items[0][adjustable_quantity][maximum]=10"
                        "&discounts[0][coupon]=co_10off&automatic_tax[enabled]=true&success_url=https://example.com/s"
                        "&ui_mode=hosted_page&expires_at=1800003600")
emu["bad-brackets"] = "mode=payment&line_items[0=x&a]b=c&[x]=1&a[b][c][d][e][f][g][h][i][j][k][l][m][n][o][p][q]=1"
for i, (name, body) in enumerate(emu.items()):
    write("emulator_form", name, bytes([i % 4]) + body.encode())
print("seeds written to", OUT, file=sys.stderr)
