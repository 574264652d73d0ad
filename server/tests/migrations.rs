//! The schema across releases: a database made by the release before versioned migrations
//! (`tests/fixtures/schema_before_migrations.sql`, its tables as it created them, one record in
//! each) is migrated at start and keeps every record; a database whose schema is newer than this
//! binary knows is refused with a clear error; opening twice migrates once. On SQLite, and on
//! PostgreSQL when one is available (`support::postgres`).

mod support;

use checkout_bridge_server::store::migrations::SCHEMA_VERSION;
use checkout_bridge_server::store::StoreError;
use checkout_bridge_server::Store;

const FIXTURE: &str = include_str!("fixtures/schema_before_migrations.sql");
/// The state whose SHA-256 the fixture's return link holds.
const FIXTURE_STATE: &str = "fixturestate0123456789abcdefABCD";

/// What the fixture recorded must all be there, through the store's own views.
async fn assert_records_kept(store: &Store) {
    assert_eq!(store.schema_version().await.expect("version"), SCHEMA_VERSION);
    let events = store.events().all().await.expect("events");
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].event_id.as_str(), events[0].session_id.as_deref()),
        ("evt_fixture_1", Some("cs_test_fixture_paid"))
    );
    let ledger = store.ledger();
    let open = ledger
        .session("cs_test_fixture_open")
        .await
        .expect("read")
        .expect("session kept");
    assert_eq!((open.user.as_str(), open.checks), ("alice", 2));
    let paid = ledger
        .fulfilment("cs_test_fixture_paid")
        .await
        .expect("read")
        .expect("fulfilment kept");
    assert_eq!((paid.user.as_str(), paid.amount_total), ("alice", Some(1500)));
    let purchases = ledger.purchases("alice", 10, None).await.expect("read").expect("list");
    assert_eq!(purchases.len(), 1);
    let counts = ledger.counts().await.expect("counts");
    assert_eq!((counts.fulfilments, counts.delivered, counts.pending), (1, 1, 0));
    assert_eq!(
        store
            .return_links()
            .session_for(FIXTURE_STATE)
            .await
            .expect("read")
            .as_deref(),
        Some("cs_test_fixture_open")
    );
}

async fn refuses_a_newer_schema(url: &str, bump: impl std::future::Future<Output = ()>) {
    bump.await;
    match Store::open(url).await {
        Err(StoreError::SchemaTooNew { found, known }) => {
            assert_eq!((found, known), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            let text = StoreError::SchemaTooNew { found, known }.to_string();
            assert!(text.contains("newer than this binary knows"), "{text}");
        }
        Err(other) => panic!("refused for another reason: {other}"),
        Ok(_) => panic!("a schema newer than the binary was accepted"),
    }
}

#[tokio::test]
async fn sqlite_database_of_the_previous_release_migrates_and_keeps_its_records() {
    let path = std::env::temp_dir().join(format!("cb-migrate-{}.db", support::rid()));
    let url = format!("sqlite://{}", path.display());
    {
        let c = rusqlite::Connection::open(&path).expect("sqlite");
        c.execute_batch(FIXTURE)
            .expect("the previous release's schema and records");
    }
    let store = Store::open(&url).await.expect("migrates");
    assert_records_kept(&store).await;
    // Opening again finds nothing to do and changes nothing.
    let again = Store::open(&url).await.expect("second open");
    assert_records_kept(&again).await;
    drop((store, again));

    refuses_a_newer_schema(&url, async {
        let c = rusqlite::Connection::open(&path).expect("sqlite");
        c.execute(
            "INSERT INTO checkout_bridge_schema (version, name, applied_at) VALUES (?1, 'from a newer release', 0)",
            [SCHEMA_VERSION + 1],
        )
        .expect("bump");
    })
    .await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

#[tokio::test]
async fn an_empty_sqlite_database_gets_the_whole_schema() {
    let path = std::env::temp_dir().join(format!("cb-migrate-empty-{}.db", support::rid()));
    let store = Store::open(&format!("sqlite://{}", path.display()))
        .await
        .expect("creates");
    assert_eq!(store.schema_version().await.expect("version"), SCHEMA_VERSION);
    assert_eq!(store.ledger().counts().await.expect("tables").fulfilments, 0);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn postgresql_database_of_the_previous_release_migrates_and_keeps_its_records() {
    let Some(url) = support::fresh_postgres().await else {
        return;
    };
    let admin = checkout_bridge_server::store::pg_tls::connect(&url)
        .await
        .expect("connect");
    admin
        .batch_execute(FIXTURE)
        .await
        .expect("the previous release's schema and records");
    // Two instances starting at once: one migrates, the other waits for it and finds it done.
    let (a, b) = tokio::join!(Store::open(&url), Store::open(&url));
    let (a, b) = (a.expect("migrates"), b.expect("migrates too"));
    assert_records_kept(&a).await;
    assert_records_kept(&b).await;
    let applied: i64 = admin
        .query_one("SELECT count(*) FROM checkout_bridge_schema", &[])
        .await
        .expect("versions")
        .get(0);
    assert_eq!(applied, SCHEMA_VERSION, "each migration recorded once");
    refuses_a_newer_schema(&url, async {
        admin
            .execute(
                "INSERT INTO checkout_bridge_schema (version, name, applied_at) VALUES ($1, 'from a newer release', 0)",
                &[&(SCHEMA_VERSION + 1)],
            )
            .await
            .expect("bump");
    })
    .await;
    support::drop_postgres(&url).await;
}
