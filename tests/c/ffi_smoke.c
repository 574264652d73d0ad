/*
 * Smoke test of the C ABI that the Swift bindings call, against the real library.
 *
 * Built and run by scripts/ios-check.sh, which
 *   - includes bindings/swift/CheckoutBridgeFFI.h the way the modulemap does (stdint/stdbool
 *     first; _Nullable/_Nonnull, clang nullability qualifiers, defined away for gcc),
 *   - generates ffi_smoke_expected.h from bindings/swift/CheckoutBridge.swift: the contract
 *     version and every API checksum the Swift bindings verify at start-up, and the
 *     CheckoutError variant number the Swift reader uses for InvalidReturnUrl,
 *   - links target/debug/libcheckout_bridge.so (with an rpath) and runs the program.
 *
 * Prints one "ok - ..." / "not ok - ..." line per check (the calling script counts them) and
 * "ffi-smoke: P of T checks ok" at the end; exits 1 if any check failed.
 *
 * Wire format (UniFFI): a top-level String argument or return value is a RustBuffer holding the
 * raw UTF-8 bytes. Inside a record/enum/option, a String is an i32 big-endian length followed by
 * the bytes, an enum is an i32 big-endian variant number starting at 1, an Option is a u8 tag
 * (0 = None, 1 = Some) followed by the value. RustCallStatus.code: 0 ok, 1 error (serialized
 * error in errorBuf), 2 panic (message String in errorBuf).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CheckoutBridgeFFI.h"
#include "ffi_smoke_expected.h"

#ifndef EXPECTED_CONTRACT_VERSION
#error "ffi_smoke_expected.h must define EXPECTED_CONTRACT_VERSION"
#endif
#ifndef EXPECTED_CHECKSUMS
#error "ffi_smoke_expected.h must define EXPECTED_CHECKSUMS"
#endif
#ifndef EXPECTED_INVALID_RETURN_URL_VARIANT
#error "ffi_smoke_expected.h must define EXPECTED_INVALID_RETURN_URL_VARIANT"
#endif

#define STATE "0123456789abcdef0123456789abcdef"
#define BASE "myapp://checkout"

static int passed, failed;

static void check(bool ok, const char *what) {
    if (ok) {
        passed++;
        printf("ok - %s\n", what);
    } else {
        failed++;
        printf("not ok - %s\n", what);
    }
}

static RustCallStatus fresh_status(void) {
    RustCallStatus s;
    memset(&s, 0, sizeof s);
    return s;
}

/* Lowers a C string as a UniFFI String argument. */
static RustBuffer lower_string(const char *s) {
    RustCallStatus st = fresh_status();
    ForeignBytes fb = {(int32_t)strlen(s), (const uint8_t *)s};
    RustBuffer buf = ffi_checkout_bridge_rustbuffer_from_bytes(fb, &st);
    if (st.code != 0) {
        fprintf(stderr, "rustbuffer_from_bytes failed with code %d\n", st.code);
        exit(1);
    }
    return buf;
}

static void free_buffer(RustBuffer buf) {
    RustCallStatus st = fresh_status();
    ffi_checkout_bridge_rustbuffer_free(buf, &st);
    if (st.code != 0) {
        fprintf(stderr, "rustbuffer_free failed with code %d\n", st.code);
        exit(1);
    }
}

/* A cursor over a serialized RustBuffer. Any read past the end sets `bad`. */
typedef struct {
    const uint8_t *data;
    uint64_t len, pos;
    bool bad;
} Reader;

static Reader reader(RustBuffer b) {
    Reader r = {b.data, b.len, 0, b.data == NULL && b.len != 0};
    return r;
}

static const uint8_t *take(Reader *r, uint64_t n) {
    if (r->bad || n > r->len - r->pos) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *p = r->data + r->pos;
    r->pos += n;
    return p;
}

static int32_t read_i32(Reader *r) {
    const uint8_t *p = take(r, 4);
    if (!p) return INT32_MIN;
    return (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]);
}

static int read_u8(Reader *r) {
    const uint8_t *p = take(r, 1);
    return p ? p[0] : -1;
}

/* Reads a nested String into out (NUL-terminated, truncated to cap-1); false if malformed. */
static bool read_string(Reader *r, char *out, size_t cap) {
    int32_t n = read_i32(r);
    if (n < 0) {
        r->bad = true;
        return false;
    }
    const uint8_t *p = take(r, (uint64_t)n);
    if (!p) return false;
    size_t k = (size_t)n < cap - 1 ? (size_t)n : cap - 1;
    memcpy(out, p, k);
    out[k] = '\0';
    return true;
}

static bool buffer_contains(RustBuffer b, const char *needle) {
    size_t n = strlen(needle);
    if (b.data == NULL || b.len < n) return false;
    for (uint64_t i = 0; i + n <= b.len; i++)
        if (memcmp(b.data + i, needle, n) == 0) return true;
    return false;
}

/* Calls parse_return_url(url, BASE). The argument buffers are consumed by the call. */
static RustBuffer call_parse(const char *url, RustCallStatus *st) {
    *st = fresh_status();
    return uniffi_checkout_bridge_fn_func_parse_return_url(lower_string(url), lower_string(BASE), st);
}

static void check_versions(void) {
    char what[200];
    uint32_t v = ffi_checkout_bridge_uniffi_contract_version();
    snprintf(what, sizeof what, "contract version: library %u, Swift bindings expect %u", (unsigned)v,
             (unsigned)EXPECTED_CONTRACT_VERSION);
    check(v == EXPECTED_CONTRACT_VERSION, what);

    int mismatched = 0, total = 0;
#define X(fn, expected)                                                                     \
    do {                                                                                    \
        total++;                                                                            \
        uint16_t got = fn();                                                                \
        if (got != (expected)) {                                                            \
            mismatched++;                                                                   \
            fprintf(stderr, "  %s() = %u, Swift expects %u\n", #fn, (unsigned)got, (unsigned)(expected)); \
        }                                                                                   \
    } while (0);
    EXPECTED_CHECKSUMS
#undef X
    snprintf(what, sizeof what, "API checksums: %d of %d match the Swift bindings' start-up check",
             total - mismatched, total);
    check(total > 0 && mismatched == 0, what);
}

static void check_valid_link(void) {
    RustCallStatus st;
    RustBuffer out = call_parse("myapp://checkout/success?session_id=cs_test_1&state=" STATE, &st);
    check(st.code == 0, "parse_return_url(valid success link): status code 0");
    check(buffer_contains(out, "cs_test_1"), "parse_return_url(valid success link): result contains \"cs_test_1\"");

    /* Decode the whole ReturnEvent { kind, session_id: Option<String>, state }. */
    Reader r = reader(out);
    char session[300] = "", state[300] = "";
    int32_t kind = read_i32(&r);
    int tag = read_u8(&r);
    bool ok = tag == 1 && read_string(&r, session, sizeof session) && read_string(&r, state, sizeof state);
    check(ok && !r.bad && r.pos == r.len && kind == 1 /* ReturnKind.success */ &&
              strcmp(session, "cs_test_1") == 0 && strcmp(state, STATE) == 0,
          "parse_return_url(valid success link): decodes to ReturnEvent(kind: .success, sessionId: \"cs_test_1\", state)");
    free_buffer(out);
    if (st.code != 0) free_buffer(st.errorBuf);
}

static void check_hostile_link(const char *url, const char *reason_part, const char *label) {
    char what[1024];
    RustCallStatus st;
    RustBuffer out = call_parse(url, &st);
    snprintf(what, sizeof what, "parse_return_url(%s): status code 1 (CheckoutError), got %d", label, st.code);
    check(st.code == 1, what);
    if (st.code == 1) {
        Reader r = reader(st.errorBuf);
        char reason[300] = "";
        int32_t variant = read_i32(&r);
        bool ok = read_string(&r, reason, sizeof reason);
        snprintf(what, sizeof what, "parse_return_url(%s): error is InvalidReturnUrl(reason: \"%s\")", label, reason);
        check(ok && !r.bad && r.pos == r.len && variant == EXPECTED_INVALID_RETURN_URL_VARIANT &&
                  strstr(reason, reason_part) != NULL,
              what);
    }
    if (st.code != 0) free_buffer(st.errorBuf);
    free_buffer(out); /* zeroed on error; freeing an empty buffer is a no-op */
}

static void check_build_return_urls(void) {
    RustCallStatus st = fresh_status();
    RustBuffer out = uniffi_checkout_bridge_fn_func_build_return_urls(lower_string(BASE), &st);
    check(st.code == 0, "build_return_urls(\"" BASE "\"): status code 0");
    Reader r = reader(out);
    char success[600] = "", cancel[600] = "", state[100] = "";
    bool ok = read_string(&r, success, sizeof success) && read_string(&r, cancel, sizeof cancel) &&
              read_string(&r, state, sizeof state);
    char want_success[700], want_cancel[700];
    snprintf(want_success, sizeof want_success, BASE "/success?session_id={CHECKOUT_SESSION_ID}&state=%s", state);
    snprintf(want_cancel, sizeof want_cancel, BASE "/cancel?state=%s", state);
    check(ok && !r.bad && r.pos == r.len && strlen(state) == 32 && strcmp(success, want_success) == 0 &&
              strcmp(cancel, want_cancel) == 0,
          "build_return_urls: decodes to ReturnUrls with a 32-hex state in both URLs");
    free_buffer(out);
    if (st.code != 0) free_buffer(st.errorBuf);

    /* Round trip: the cancel URL it built must parse back as a cancel event for the same state. */
    RustBuffer ev = call_parse(cancel, &st);
    Reader e = reader(ev);
    char got_state[100] = "";
    int32_t kind = read_i32(&e);
    int tag = read_u8(&e);
    bool eok = read_string(&e, got_state, sizeof got_state);
    check(st.code == 0 && eok && !e.bad && e.pos == e.len && kind == 2 /* .cancel */ && tag == 0 &&
              strcmp(got_state, state) == 0,
          "parse_return_url(built cancel URL): ReturnEvent(kind: .cancel, sessionId: nil, same state)");
    free_buffer(ev);
    if (st.code != 0) free_buffer(st.errorBuf);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* keep stdout and stderr in order when both go to one log */
    check_versions();
    check_valid_link();
    check_hostile_link("https://evil.example/checkout/success?session_id=cs_test_1&state=" STATE,
                       "scheme does not match", "link from another scheme and host");
    check_hostile_link("myapp://checkout/success?session_id=cs_test_1&state=" STATE "&state=" STATE,
                       "appears more than once", "link with a duplicated state");
    check_build_return_urls();
    printf("ffi-smoke: %d of %d checks ok\n", passed, passed + failed);
    return failed ? 1 : 0;
}
