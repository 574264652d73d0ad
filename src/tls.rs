//! The TLS client configuration of the built-in transport: rustls on *ring*, trusting the
//! Mozilla root store compiled in (webpki-roots), with only what a client of an HTTPS API uses.
//!
//! rustls's `ring::default_provider()` also brings ChaCha20-Poly1305 and the signing half of
//! every algorithm (for client certificates); a phone calling Stripe or its own backend needs
//! neither, and leaving them out keeps their code out of the library (docs/performance.md):
//!
//! - **Cipher suites: AES-GCM only**, TLS 1.3 and TLS 1.2 (ECDHE with ECDSA or RSA). Every
//!   TLS 1.3 server implements `TLS_AES_128_GCM_SHA256` (RFC 8446 §9.1: "MUST implement"), and
//!   Stripe requires TLS 1.2 or later with the suites of its PCI DSS scope, which are AES-GCM
//!   (<https://stripe.com/blog/completing-tls-upgrade>). TLS 1.2 stays: a merchant's backend
//!   may not speak TLS 1.3.
//! - **Key exchange**: X25519, P-256 and P-384, as rustls's default.
//! - **Certificate verification**: every algorithm rustls verifies with *ring* (ECDSA P-256 and
//!   P-384, Ed25519, RSA PKCS#1 and PSS), so that any chain the default accepts is accepted.
//! - **No client certificates**: the key provider refuses every private key.
//! - **Randomness** from the OS (`getrandom`), as the rest of the library.

use std::sync::Arc;

use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use rustls::SignatureScheme;
use webpki::ring as algs;

/// The client configuration: the provider below, TLS 1.3 and 1.2, the Mozilla roots, HTTP/1.1.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        ],
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1],
        signature_verification_algorithms: VERIFICATION_ALGORITHMS,
        secure_random: &OsRandom,
        key_provider: &NoClientKeys,
    });
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// What rustls's *ring* provider verifies (`rustls::crypto::ring::SUPPORTED_SIG_ALGS`, which is
/// not public): the same algorithms and the same scheme mapping.
static VERIFICATION_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        algs::ECDSA_P256_SHA256,
        algs::ECDSA_P256_SHA384,
        algs::ECDSA_P384_SHA256,
        algs::ECDSA_P384_SHA384,
        algs::ED25519,
        algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        algs::RSA_PKCS1_2048_8192_SHA256,
        algs::RSA_PKCS1_2048_8192_SHA384,
        algs::RSA_PKCS1_2048_8192_SHA512,
        algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // For TLS 1.2 the curve is not fixed by the scheme; for TLS 1.3 it is.
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[algs::ECDSA_P384_SHA384, algs::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algs::ECDSA_P256_SHA256, algs::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[algs::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (SignatureScheme::RSA_PKCS1_SHA512, &[algs::RSA_PKCS1_2048_8192_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[algs::RSA_PKCS1_2048_8192_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[algs::RSA_PKCS1_2048_8192_SHA256]),
    ],
};

/// The OS's secure random source, as everywhere in the library (`crate::os`).
#[derive(Debug)]
struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        getrandom::fill(buf).map_err(|_| GetRandomFailed)
    }
}

/// The library never authenticates with a client certificate.
#[derive(Debug)]
struct NoClientKeys;

impl KeyProvider for NoClientKeys {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General(
            "checkout-bridge uses no client certificates".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_offers_aes_gcm_and_refuses_client_keys() {
        let config = client_config().expect("builds");
        let suites: Vec<String> = config
            .crypto_provider()
            .cipher_suites
            .iter()
            .map(|s| format!("{:?}", s.suite()))
            .collect();
        assert_eq!(suites.len(), 6, "{suites:?}");
        assert!(
            suites
                .iter()
                .all(|s| s.contains("AES_128_GCM") || s.contains("AES_256_GCM")),
            "{suites:?}"
        );
        assert!(suites.iter().any(|s| s.starts_with("TLS13_")) && suites.iter().any(|s| s.starts_with("TLS_ECDHE_")));
        assert!(config
            .crypto_provider()
            .key_provider
            .load_private_key(PrivateKeyDer::Pkcs8(vec![0u8; 8].into()))
            .is_err());
        let mut random = [0u8; 32];
        config
            .crypto_provider()
            .secure_random
            .fill(&mut random)
            .expect("randomness");
        assert_ne!(random, [0u8; 32]);
        // The same verification algorithms as rustls's ring provider, in the same order.
        let ours = config.crypto_provider().signature_verification_algorithms;
        let theirs = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
    }
}
