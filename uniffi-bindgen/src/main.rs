//! UniFFI's binding generator, pinned to the library's uniffi version so generated code and
//! runtime always match. Its own crate so that building it never changes the library's
//! features (scripts/bindings.sh builds it by name; plain workspace builds leave it out).

fn main() {
    uniffi::uniffi_bindgen_main()
}
