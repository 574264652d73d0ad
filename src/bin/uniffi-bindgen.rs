//! The UniFFI binding generator, pinned to the library's uniffi version so generated code and
//! runtime always match. Built only with `--features cli`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
