//! TLS to PostgreSQL against the private cluster of `scripts/postgres.sh` (TLS on, a CA made
//! by the script, the role `cb_tls_only` allowed over TLS only), from `support::postgres` (the
//! URL carries `sslrootcert=`, the CA).

mod support;

use checkout_bridge_server::store::pg_tls;
use checkout_bridge_server::Store;

/// (`postgres://user@127.0.0.1:port/db` without query, path of the cluster's CA); `None` to skip.
fn cluster() -> Option<(String, String)> {
    let url = support::postgres::url()?;
    let (base, query) = url.split_once('?').unwrap_or((&url, ""));
    let ca = query
        .split('&')
        .find_map(|p| p.strip_prefix("sslrootcert="))
        .unwrap_or_else(|| panic!("the URL from scripts/postgres.sh names its CA in sslrootcert: {url}"));
    Some((base.to_owned(), ca.to_owned()))
}

/// The store opened (and migrated) over `url`, and a second connection made the way the store
/// makes its own, to ask PostgreSQL about it.
async fn open(url: &str) -> Result<tokio_postgres::Client, String> {
    Store::open(url).await.map_err(|e| e.to_string())?;
    pg_tls::connect(url).await.map_err(|e| e.to_string())
}

/// Whether the session behind `client` is encrypted, as the server sees it.
async fn encrypted(client: &tokio_postgres::Client) -> bool {
    client
        .query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .await
        .expect("pg_stat_ssl")
        .get(0)
}

#[tokio::test]
async fn sslmodes_against_a_tls_postgresql() {
    let Some((base, ca)) = cluster() else { return };
    let with = |q: &str| format!("{base}?{q}");
    // require: encrypted, certificate not checked.
    let log = open(&with("sslmode=require")).await.expect("require");
    assert!(encrypted(&log).await, "sslmode=require gave a plain session");
    // verify-full with the cluster's CA: chain and name (IP 127.0.0.1) checked.
    let log = open(&with(&format!("sslmode=verify-full&sslrootcert={ca}")))
        .await
        .expect("verify-full with the test CA");
    assert!(encrypted(&log).await);
    // The default (prefer, as libpq) takes TLS when offered.
    assert!(encrypted(&open(&base).await.expect("prefer")).await);
    // disable: plain, and the server allows it for this role.
    assert!(!encrypted(&open(&with("sslmode=disable")).await.expect("disable")).await);

    // The certificate names IP 127.0.0.1, not `localhost`: verify-full refuses that name,
    // verify-ca (chain only) accepts it.
    let by_name = base.replace("127.0.0.1", "localhost");
    let e = open(&format!("{by_name}?sslmode=verify-full&sslrootcert={ca}"))
        .await
        .expect_err("name mismatch refused");
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    let log = open(&format!("{by_name}?sslmode=verify-ca&sslrootcert={ca}"))
        .await
        .expect("verify-ca ignores the name");
    assert!(encrypted(&log).await);
    // verify-full against the Mozilla roots: the test CA is unknown there.
    let e = open(&with("sslmode=verify-full"))
        .await
        .expect_err("unknown issuer refused");
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    // Unknown modes are refused before connecting.
    for bad in ["sslmode=allow", "sslmode=verify_full", "sslmode=Require"] {
        assert!(open(&with(bad)).await.is_err(), "{bad}");
    }
}

/// pg_hba.conf of the test cluster rejects cb_tls_only without TLS (`hostnossl … reject`):
/// a plain client is refused, a TLS one is let in.
#[tokio::test]
async fn a_server_requiring_tls_refuses_a_plain_client() {
    let Some((base, ca)) = cluster() else { return };
    let client = open(&format!("{base}?sslmode=require")).await.expect("admin");
    client
        .batch_execute(
            "DO $$ BEGIN CREATE ROLE cb_tls_only LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$; \
             GRANT CREATE ON SCHEMA public TO cb_tls_only; \
             GRANT ALL ON TABLE checkout_events TO cb_tls_only; \
             GRANT SELECT ON TABLE checkout_bridge_schema TO cb_tls_only;",
        )
        .await
        .expect("role");
    let as_role = base.replace("postgres@", "cb_tls_only@");
    let e = open(&format!("{as_role}?sslmode=disable"))
        .await
        .expect_err("plain refused");
    assert!(e.contains("pg_hba") || e.contains("no encryption"), "{e}");
    let log = open(&format!("{as_role}?sslmode=verify-full&sslrootcert={ca}"))
        .await
        .expect("TLS accepted");
    assert!(encrypted(&log).await);
}
