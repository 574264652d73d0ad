//! Connecting to PostgreSQL, with TLS by rustls on ring (the one TLS stack of the project) and
//! libpq's `sslmode` and `sslrootcert` URL parameters.
//!
//! | `sslmode` | TLS | certificate checked | falls back to plain |
//! |---|---|---|---|
//! | `disable` | no | — | — |
//! | `prefer` (default on loopback and Unix sockets, as libpq) | if the server offers it | no | yes |
//! | `require` | yes | no; with `sslrootcert`, chain as `verify-ca` (as libpq) | no |
//! | `verify-ca` | yes | chain to `sslrootcert` (required), any host name | no |
//! | `verify-full` (default for any other host) | yes | chain to `sslrootcert` (default: the Mozilla roots), and host name | no |
//!
//! `allow` and any other value are refused, as are unknown spellings (`verify_full`). The
//! certificate-less modes still check the handshake signature, so they stop a passive
//! eavesdropper but not an active man in the middle: across a network use `verify-full`.
//! `sslrootcert` is a PEM file of one or more CA certificates, or `system` for the Mozilla
//! roots. Channel binding (SCRAM-…-PLUS) is not offered.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_postgres::Socket;

pub use crate::store::error::describe;
use crate::store::error::StoreError;

/// libpq's `sslmode`, the values supported here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when offered, unverified; plain otherwise.
    Prefer,
    /// TLS always; unverified unless a root certificate is given.
    Require,
    /// TLS with the chain verified against `sslrootcert`; any host name.
    VerifyCa,
    /// TLS with the chain and the host name verified.
    VerifyFull,
}

/// A `postgres://` URL split into what tokio-postgres parses and the TLS settings it does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL without `sslmode` and `sslrootcert`.
    pub url: String,
    /// The requested mode.
    pub mode: SslMode,
    /// `sslrootcert`: a PEM path, or `system`.
    pub root_cert: Option<String>,
}

/// Splits `sslmode` and `sslrootcert` out of a `postgres://` URL.
///
/// # Errors
///
/// An unknown or unsupported `sslmode` (`allow` included), a parameter given twice, or
/// `verify-ca` without `sslrootcert`.
pub fn parse_url(database_url: &str) -> Result<PgUrl, StoreError> {
    parse_settings(database_url)
}

/// Every host a URL can make the driver connect to, each without its port: the authority's
/// (`h1:5432,[::1]:5433`) and every `host=` and `hostaddr=` in the query. tokio-postgres adds a
/// `host=` to the authority's hosts rather than replacing them, and connects to a `hostaddr=`
/// whatever the host says, so the TLS default is decided on all of them together. No host at all
/// means the default Unix socket.
fn hosts(base: &str, query: &[&str]) -> Vec<String> {
    let authority = base
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    let hostports = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let from_authority = hostports.split(',').filter(|h| !h.is_empty()).map(|h| {
        if let Some(v6) = h.strip_prefix('[') {
            v6.split(']').next().unwrap_or("").to_owned()
        } else {
            h.split(':').next().unwrap_or("").to_owned()
        }
    });
    let from_query = query
        .iter()
        .filter_map(|p| form_urlencoded::parse(p.as_bytes()).next())
        .filter(|(k, _)| k == "host" || k == "hostaddr")
        .flat_map(|(_, v)| v.split(',').map(str::to_owned).collect::<Vec<_>>());
    from_authority.chain(from_query).collect()
}

/// This machine: `localhost`, a loopback address, or a Unix socket directory.
fn is_local(host: &str) -> bool {
    let host = percent_decoded(host);
    host.is_empty()
        || host.starts_with('/')
        || host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn percent_decoded(s: &str) -> String {
    form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map_or_else(|| s.to_owned(), |(_, v)| v.into_owned())
}

fn parse_settings(database_url: &str) -> Result<PgUrl, StoreError> {
    let bad = |m: &str| StoreError::PostgresSettings(m.to_owned());
    let (base, query) = match database_url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (database_url, ""),
    };
    let mut kept = Vec::new();
    let (mut mode, mut root_cert) = (None, None);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = form_urlencoded::parse(pair.as_bytes())
            .next()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .unwrap_or_default();
        match k.as_str() {
            "sslmode" => {
                let m = match v.as_str() {
                    "disable" => SslMode::Disable,
                    "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    "allow" => {
                        return Err(bad(
                            "sslmode=allow is not supported (use prefer, require or verify-full)",
                        ))
                    }
                    other => {
                        return Err(bad(&format!(
                            "unknown sslmode `{other}` (disable, prefer, require, verify-ca, verify-full)"
                        )))
                    }
                };
                if mode.replace(m).is_some() {
                    return Err(bad("sslmode is given twice"));
                }
            }
            "sslrootcert" => {
                if root_cert.replace(v).is_some() {
                    return Err(bad("sslrootcert is given twice"));
                }
            }
            _ => kept.push(pair),
        }
    }
    // libpq's default is `prefer`: neither verified nor required. Across a network that lets an
    // active attacker read and change everything, so a URL naming any host that is not this
    // machine gets `verify-full` unless it says otherwise; on loopback (or a Unix socket) the
    // default stays libpq's.
    let mode = mode.unwrap_or_else(|| {
        if hosts(base, &kept).iter().all(|h| is_local(h)) {
            SslMode::Prefer
        } else {
            SslMode::VerifyFull
        }
    });
    if mode == SslMode::VerifyCa && root_cert.is_none() {
        return Err(bad(
            "sslmode=verify-ca needs sslrootcert (the CA that signed the server's certificate)",
        ));
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok(PgUrl { url, mode, root_cert })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(root_cert: Option<&str>) -> Result<RootCertStore, StoreError> {
    let mut store = RootCertStore::empty();
    match root_cert {
        None | Some("system") => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .map_err(|e| StoreError::PostgresSettings(format!("sslrootcert {path}: {e}")))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| StoreError::PostgresSettings(format!("sslrootcert {path}: {e}")))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(StoreError::PostgresSettings(format!(
                    "sslrootcert {path}: no usable CA certificate"
                )));
            }
        }
    }
    Ok(store)
}

/// Checks the handshake signature with the certificate's key but not the certificate itself:
/// `prefer` and `require` without a root certificate, as libpq does.
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

/// Checks the chain but accepts any host name: `verify-ca`.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // webpki checks the chain first and the name last, so a name error means the chain
        // was good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// The rustls client configuration for `mode`.
fn client_config(mode: SslMode, root_cert: Option<&str>) -> Result<ClientConfig, StoreError> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::PostgresSettings(format!("TLS setup: {e}")))?;
    let verifier: Arc<dyn ServerCertVerifier> = match (mode, root_cert) {
        (SslMode::Prefer | SslMode::Disable, _) | (SslMode::Require, None) => Arc::new(Unverified(provider)),
        (SslMode::Require | SslMode::VerifyCa, Some(_)) | (SslMode::VerifyCa, None) => {
            Arc::new(ChainOnly(webpki(root_cert, provider)?))
        }
        (SslMode::VerifyFull, _) => webpki(root_cert, provider)?,
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn webpki(root_cert: Option<&str>, provider: Arc<CryptoProvider>) -> Result<Arc<WebPkiServerVerifier>, StoreError> {
    WebPkiServerVerifier::builder_with_provider(Arc::new(roots(root_cert)?), provider)
        .build()
        .map_err(|e| StoreError::PostgresSettings(format!("TLS setup: {e}")))
}

/// Makes rustls connectors for tokio-postgres.
#[derive(Clone)]
pub struct RustlsConnect(Arc<ClientConfig>);

/// One handshake to one host.
pub struct RustlsConnector {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

/// A TLS session to PostgreSQL.
pub struct RustlsStream(Box<tokio_rustls::client::TlsStream<Socket>>);

impl MakeTlsConnect<Socket> for RustlsConnect {
    type Stream = RustlsStream;
    type TlsConnect = RustlsConnector;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnector, Self::Error> {
        Ok(RustlsConnector {
            config: self.0.clone(),
            name: ServerName::try_from(domain.to_owned())?,
        })
    }
}

impl TlsConnect<Socket> for RustlsConnector {
    type Stream = RustlsStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream>> + Send>>;

    fn connect(self, stream: Socket) -> Self::Future {
        Box::pin(async move {
            let tls = tokio_rustls::TlsConnector::from(self.config)
                .connect(self.name, stream)
                .await?;
            Ok(RustlsStream(Box::new(tls)))
        })
    }
}

impl AsyncRead for RustlsStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for RustlsStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

impl TlsStream for RustlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        ChannelBinding::none()
    }
}

fn spawn_connection<T>(connection: tokio_postgres::Connection<Socket, T>)
where
    T: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!(error = %e, "PostgreSQL connection closed");
        }
    });
}

/// Connects to `database_url` (a `postgres://` URL with libpq's TLS parameters).
///
/// # Errors
///
/// The URL's TLS settings ([`parse_url`]), an unreadable root certificate, or the connection
/// failing (a refused certificate, a server without TLS under `require` or stricter, a server
/// that requires TLS under `disable`). Messages never include the URL, which may carry a
/// password.
pub async fn connect(database_url: &str) -> Result<tokio_postgres::Client, StoreError> {
    let pg = parse_url(database_url)?;
    let mut config: tokio_postgres::Config = pg
        .url
        .parse()
        .map_err(|e| StoreError::PostgresSettings(format!("invalid PostgreSQL URL: {e}")))?;
    let fail = |e: tokio_postgres::Error| {
        StoreError::Postgres(format!(
            "cannot connect (sslmode {:?}): {}",
            pg.mode,
            crate::store::error::describe(&e)
        ))
    };
    if pg.mode == SslMode::Disable {
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        let (client, connection) = config.connect(tokio_postgres::NoTls).await.map_err(fail)?;
        spawn_connection(connection);
        return Ok(client);
    }
    config.ssl_mode(if pg.mode == SslMode::Prefer {
        tokio_postgres::config::SslMode::Prefer
    } else {
        tokio_postgres::config::SslMode::Require
    });
    let tls = RustlsConnect(Arc::new(client_config(pg.mode, pg.root_cert.as_deref())?));
    let (client, connection) = config.connect(tls).await.map_err(fail)?;
    spawn_connection(connection);
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[test]
    fn sslmode_and_root_cert_are_split_out() {
        let p = parse_url(
            "postgres://u:pw@db.example:5432/app?sslmode=verify-full&application_name=x&sslrootcert=%2Fetc%2Fca.pem",
        )
        .expect("parses");
        assert_eq!(p.url, "postgres://u:pw@db.example:5432/app?application_name=x");
        assert_eq!(p.mode, SslMode::VerifyFull);
        assert_eq!(p.root_cert.as_deref(), Some("/etc/ca.pem"));
        // No sslmode: libpq's `prefer` on this machine only; any other host gets `verify-full`.
        for (url, mode) in [
            ("postgres://127.0.0.1/db", SslMode::Prefer),
            ("postgres://u:pw@localhost:5432/db", SslMode::Prefer),
            ("postgres://[::1]:5432/db", SslMode::Prefer),
            ("postgres://u@/db?host=%2Fvar%2Frun%2Fpostgresql", SslMode::Prefer),
            ("postgres:///db", SslMode::Prefer),
            ("postgres://h/db", SslMode::VerifyFull),
            ("postgres://u:pw@db.example:5432/app", SslMode::VerifyFull),
            ("postgres://10.0.0.5/db", SslMode::VerifyFull),
            ("postgres://127.0.0.1,db.example/db", SslMode::VerifyFull),
            ("postgres://127.0.0.1/db?host=db.example", SslMode::VerifyFull),
            // The driver adds a query host to the authority's, and connects to a hostaddr.
            ("postgres://db.example/db?host=localhost", SslMode::VerifyFull),
            ("postgres://localhost/db?hostaddr=10.0.0.5", SslMode::VerifyFull),
            ("postgres://localhost/db?hostaddr=127.0.0.1", SslMode::Prefer),
            ("postgres://db.example/db?sslmode=prefer", SslMode::Prefer),
            ("postgres://db.example/db?sslmode=disable", SslMode::Disable),
        ] {
            assert_eq!(parse_url(url).ok().map(|p| p.mode), Some(mode), "{url}");
        }
        assert_eq!(
            parse_url("postgres://h/db?sslmode=disable").ok().map(|p| p.url),
            Some("postgres://h/db".to_owned())
        );
        for bad in [
            "postgres://h/db?sslmode=allow",
            "postgres://h/db?sslmode=verify_full",
            "postgres://h/db?sslmode=REQUIRE",
            "postgres://h/db?sslmode=",
            "postgres://h/db?sslmode=require&sslmode=disable",
            "postgres://h/db?sslmode=verify-ca",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn root_certificates_must_exist_and_hold_a_certificate() {
        let dir = std::env::temp_dir().join(format!("cb-pg-tls-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let empty = dir.join("empty.pem");
        let _ = std::fs::write(&empty, "not a certificate\n");
        for root in [dir.join("missing.pem"), empty] {
            let url = format!(
                "postgres://127.0.0.1:1/db?sslmode=verify-full&sslrootcert={}",
                root.display()
            );
            let e = connect(&url).await.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains("sslrootcert"), "{e}");
        }
    }

    /// A server without TLS answers the SSLRequest with `N`. `require` must stop there;
    /// `prefer` goes on in plain text, as libpq does.
    #[tokio::test]
    async fn a_server_without_tls_is_refused_under_require() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let fake = tokio::spawn(async move {
            let mut startups_in_clear = 0;
            for _ in 0..2 {
                let Ok((mut s, _)) = listener.accept().await else { break };
                let mut msg = [0u8; 8];
                if s.read_exact(&mut msg).await.is_err() {
                    continue;
                }
                // SSLRequest: length 8, code 80877103.
                if msg == [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f] {
                    let _ = s.write_all(b"N").await;
                    let mut next = [0u8; 8];
                    if s.read_exact(&mut next).await.is_ok() && next[4..8] == [0, 3, 0, 0] {
                        startups_in_clear += 1; // protocol 3.0 StartupMessage
                    }
                }
            }
            startups_in_clear
        });
        let e = connect(&format!("postgres://u@127.0.0.1:{port}/db?sslmode=require"))
            .await
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("TLS") || e.contains("tls") || e.contains("SSL"), "{e}");
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            connect(&format!(
                "postgres://u@127.0.0.1:{port}/db?sslmode=prefer&connect_timeout=2"
            )),
        )
        .await;
        let clear = tokio::time::timeout(std::time::Duration::from_secs(5), fake)
            .await
            .expect("fake server done")
            .expect("task");
        assert_eq!(clear, 1, "only prefer continued in plain text");
    }
}
