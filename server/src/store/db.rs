//! One small SQL interface over SQLite and PostgreSQL, so each query of the ledger is written
//! once: `$n` parameters, `{now}` for the database clock in unix milliseconds, and
//! ` FOR UPDATE SKIP LOCKED` (PostgreSQL only; SQLite serialises writers and needs no row
//! locks).
//!
//! - **SQLite**: a writing and a reading connection (bundled SQLite, WAL, so reads never wait
//!   for a commit's fsync), used on the blocking pool, statements cached. Writes are
//!   [`Durability::Durable`] (`synchronous=FULL`: on disk when the call returns, power cut
//!   included) or [`Durability::Relaxed`] (`synchronous=NORMAL`: safe against a killed process;
//!   after a power cut the last such writes may be lost, and a later durable commit syncs them
//!   too). The outbox's leases and delivery marks are relaxed: losing one means a row is
//!   claimed or delivered again, which at-least-once delivery allows.
//! - **PostgreSQL**: one connection over which tokio-postgres pipelines concurrent queries,
//!   reopened when it breaks, statements prepared once per connection. Every write of the
//!   ledger is one statement (data-modifying CTEs where several tables change), so it is atomic
//!   without holding a transaction on the shared connection.

#[cfg(feature = "postgres")]
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

#[cfg(feature = "postgres")]
use bytes::BytesMut;
#[cfg(feature = "postgres")]
use tokio_postgres::types::{IsNull, ToSql, Type};

use crate::store::error::StoreError;

/// A query parameter, for either backend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// TEXT.
    Text(String),
    /// TEXT or NULL.
    OptText(Option<String>),
    /// BIGINT.
    Int(i64),
    /// BOOLEAN.
    Bool(bool),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}
impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}
impl From<Option<String>> for Arg {
    fn from(s: Option<String>) -> Self {
        Arg::OptText(s)
    }
}
impl From<i64> for Arg {
    fn from(i: i64) -> Self {
        Arg::Int(i)
    }
}
impl From<bool> for Arg {
    fn from(b: bool) -> Self {
        Arg::Bool(b)
    }
}

#[cfg(feature = "sqlite")]
impl rusqlite::ToSql for Arg {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Arg::Text(s) => rusqlite::ToSql::to_sql(s),
            Arg::OptText(s) => rusqlite::ToSql::to_sql(s),
            Arg::Int(i) => rusqlite::ToSql::to_sql(i),
            Arg::Bool(b) => rusqlite::ToSql::to_sql(b),
        }
    }
}

#[cfg(feature = "postgres")]
impl ToSql for Arg {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        // Each variant checks the column type itself, so a mismatch is an error, not bytes of
        // the wrong shape.
        match self {
            Arg::Text(s) => s.to_sql_checked(ty, out),
            Arg::OptText(s) => s.to_sql_checked(ty, out),
            Arg::Int(i) => i.to_sql_checked(ty, out),
            Arg::Bool(b) => b.to_sql_checked(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <String as ToSql>::accepts(ty) || <i64 as ToSql>::accepts(ty) || <bool as ToSql>::accepts(ty)
    }

    tokio_postgres::types::to_sql_checked!();
}

/// A result row of either backend, read by column index.
pub enum Cols<'a> {
    /// A SQLite row.
    #[cfg(feature = "sqlite")]
    Sqlite(&'a rusqlite::Row<'a>),
    /// A PostgreSQL row.
    #[cfg(feature = "postgres")]
    Postgres(&'a tokio_postgres::Row),
}

impl Cols<'_> {
    /// Column `i` as `T` (an error, never a panic, when it has another type).
    ///
    /// # Errors
    ///
    /// A type mismatch or a missing column.
    pub fn get<T>(&self, i: usize) -> Result<T, StoreError>
    where
        T: FromColumn,
    {
        match self {
            #[cfg(feature = "sqlite")]
            Cols::Sqlite(r) => r.get(i).map_err(|e| StoreError::Row(format!("column {i}: {e}"))),
            #[cfg(feature = "postgres")]
            Cols::Postgres(r) => r.try_get(i).map_err(|e| StoreError::Row(format!("column {i}: {e}"))),
        }
    }
}

/// A column type both built backends can read.
#[cfg(all(feature = "sqlite", feature = "postgres"))]
pub trait FromColumn: rusqlite::types::FromSql + for<'r> tokio_postgres::types::FromSql<'r> {}
#[cfg(all(feature = "sqlite", feature = "postgres"))]
impl<T: rusqlite::types::FromSql + for<'r> tokio_postgres::types::FromSql<'r>> FromColumn for T {}
/// A column type the built backend can read.
#[cfg(all(feature = "sqlite", not(feature = "postgres")))]
pub trait FromColumn: rusqlite::types::FromSql {}
#[cfg(all(feature = "sqlite", not(feature = "postgres")))]
impl<T: rusqlite::types::FromSql> FromColumn for T {}
/// A column type the built backend can read.
#[cfg(all(feature = "postgres", not(feature = "sqlite")))]
pub trait FromColumn: for<'r> tokio_postgres::types::FromSql<'r> {}
#[cfg(all(feature = "postgres", not(feature = "sqlite")))]
impl<T: for<'r> tokio_postgres::types::FromSql<'r>> FromColumn for T {}

/// Maps one row to a value.
pub type RowMap<T> = fn(&Cols<'_>) -> Result<T, StoreError>;

/// How durable a write must be when it returns (SQLite; PostgreSQL commits as configured).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    /// On disk, power cut included (records a merchant relies on).
    Durable,
    /// Survives a killed process; may be lost in a power cut (leases, delivery marks).
    Relaxed,
}

/// SQLite or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub enum Db {
    /// A local SQLite file: one instance (or several processes on one machine).
    #[cfg(feature = "sqlite")]
    Sqlite(Arc<SqliteFile>),
    /// A shared PostgreSQL: several instances.
    #[cfg(feature = "postgres")]
    Postgres(Arc<PgConn>),
}

#[cfg(feature = "sqlite")]
/// The two connections to one SQLite file.
#[cfg(feature = "sqlite")]
pub struct SqliteFile {
    writer: Mutex<rusqlite::Connection>,
    reader: Mutex<rusqlite::Connection>,
    /// Durable writes waiting for the next group commit.
    queue: Mutex<Queue>,
}

/// Group commit: durable writes that arrive while a commit is syncing wait, and the next
/// commit takes all of them in one transaction (one fsync), each in its own savepoint so one
/// failing write does not undo the others. Concurrent webhooks and creates then cost one fsync
/// per batch instead of one each.
#[cfg(feature = "sqlite")]
#[derive(Default)]
struct Queue {
    writes: Vec<QueuedWrite>,
    /// A blocking task is committing; it takes what is queued before it stops.
    committing: bool,
}

#[cfg(feature = "sqlite")]
struct QueuedWrite {
    steps: Vec<(String, Vec<Arg>)>,
    done: tokio::sync::oneshot::Sender<Result<Vec<u64>, StoreError>>,
}

#[cfg(feature = "sqlite")]
impl SqliteFile {
    /// Commits queued writes until none are left. If it ends abnormally (a panic), the queue is
    /// released and the waiting writes fail instead of waiting forever.
    fn commit_queued(&self) {
        struct Release<'a>(&'a SqliteFile, bool);
        impl Drop for Release<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    let mut q = self.0.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                    q.committing = false;
                    q.writes.clear();
                }
            }
        }
        let mut release = Release(self, false);
        loop {
            let batch = {
                let mut q = self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                if q.writes.is_empty() {
                    q.committing = false;
                    release.1 = true;
                    return;
                }
                std::mem::take(&mut q.writes)
            };
            let results = {
                let mut conn = self.writer.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                commit_batch(&mut conn, &batch)
            };
            for (w, r) in batch.into_iter().zip(results) {
                let _ = w.done.send(r);
            }
        }
    }
}

/// One transaction for the batch, a savepoint per write; every write fails if the commit does.
#[cfg(feature = "sqlite")]
fn commit_batch(conn: &mut rusqlite::Connection, batch: &[QueuedWrite]) -> Vec<Result<Vec<u64>, StoreError>> {
    // rusqlite's error is not Clone: each write gets the same text.
    let all_failed = |e: rusqlite::Error| {
        let message = e.to_string();
        batch.iter().map(|_| Err(StoreError::Commit(message.clone()))).collect()
    };
    let mut tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => return all_failed(e),
    };
    let mut results = Vec::with_capacity(batch.len());
    for w in batch {
        let one = (|| -> rusqlite::Result<Vec<u64>> {
            let sp = tx.savepoint()?;
            let mut changed = Vec::with_capacity(w.steps.len());
            for (sql, args) in &w.steps {
                changed.push(
                    sp.prepare_cached(sql)?
                        .execute(rusqlite::params_from_iter(args.iter()))? as u64,
                );
            }
            sp.commit()?;
            Ok(changed)
        })();
        results.push(one.map_err(StoreError::from));
    }
    match tx.commit() {
        Ok(()) => results,
        Err(e) => all_failed(e),
    }
}

/// The database's clock in unix milliseconds.
#[cfg(feature = "postgres")]
const PG_NOW_MS: &str = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
#[cfg(feature = "sqlite")]
const SQLITE_NOW_MS: &str = "CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";

/// The statements prepared on one connection, by SQL text.
#[cfg(feature = "postgres")]
type Prepared = Arc<Mutex<HashMap<String, tokio_postgres::Statement>>>;

/// One PostgreSQL connection, reopened when it breaks (a restarted database, a dropped TCP
/// connection), with its prepared statements.
#[cfg(feature = "postgres")]
pub struct PgConn {
    url: String,
    current: Mutex<(Arc<tokio_postgres::Client>, Prepared)>,
    reconnect: tokio::sync::Mutex<()>,
}

#[cfg(feature = "postgres")]
impl PgConn {
    fn live(&self) -> Option<(Arc<tokio_postgres::Client>, Prepared)> {
        let current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (!current.0.is_closed()).then(|| current.clone())
    }

    async fn client(&self) -> Result<(Arc<tokio_postgres::Client>, Prepared), StoreError> {
        if let Some(c) = self.live() {
            return Ok(c);
        }
        let _one_at_a_time = self.reconnect.lock().await;
        if let Some(c) = self.live() {
            return Ok(c);
        }
        tracing::warn!("the PostgreSQL connection closed; reconnecting");
        let fresh = (
            Arc::new(crate::store::pg_tls::connect(&self.url).await?),
            Arc::new(Mutex::new(HashMap::new())),
        );
        *self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = fresh.clone();
        Ok(fresh)
    }

    async fn prepared(
        &self,
        sql: &str,
    ) -> Result<(Arc<tokio_postgres::Client>, tokio_postgres::Statement), StoreError> {
        let (client, cache) = self.client().await?;
        let cached = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sql)
            .cloned();
        let statement = match cached {
            Some(s) => s,
            None => {
                let s = client.prepare(sql).await?;
                cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(sql.to_owned(), s.clone());
                s
            }
        };
        Ok((client, statement))
    }
}

#[cfg(feature = "postgres")]
fn pg_args(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a as &(dyn ToSql + Sync)).collect()
}

impl Db {
    /// Opens `sqlite://path` or `postgres://…` (TLS by `sslmode`, [`crate::store::pg_tls`]).
    /// The schema is [`crate::store::migrations`]' business.
    ///
    /// # Errors
    ///
    /// What failed (never the URL's password).
    pub async fn connect(database_url: &str) -> Result<Self, StoreError> {
        if let Some(_path) = database_url.strip_prefix("sqlite://") {
            #[cfg(not(feature = "sqlite"))]
            return Err(StoreError::NotBuilt("sqlite"));
            #[cfg(feature = "sqlite")]
            return Self::connect_sqlite(_path.to_owned()).await;
        }
        if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
            #[cfg(not(feature = "postgres"))]
            return Err(StoreError::NotBuilt("postgres"));
            #[cfg(feature = "postgres")]
            return Self::connect_postgres(database_url).await;
        }
        Err(StoreError::UnknownScheme)
    }

    #[cfg(feature = "sqlite")]
    async fn connect_sqlite(path: String) -> Result<Self, StoreError> {
        {
            let file = tokio::task::spawn_blocking(move || -> Result<SqliteFile, StoreError> {
                let open = |setup: &str| {
                    let c = rusqlite::Connection::open(&path).map_err(|source| StoreError::Open {
                        path: path.clone(),
                        source,
                    })?;
                    c.execute_batch(setup).map_err(|source| StoreError::Open {
                        path: path.clone(),
                        source,
                    })?;
                    Ok::<_, StoreError>(c)
                };
                let writer = open("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;")?;
                let reader = open("PRAGMA busy_timeout=5000; PRAGMA query_only=ON;")?;
                Ok(SqliteFile {
                    writer: Mutex::new(writer),
                    reader: Mutex::new(reader),
                    queue: Mutex::new(Queue::default()),
                })
            })
            .await
            .map_err(|_| StoreError::Interrupted)??;
            Ok(Db::Sqlite(Arc::new(file)))
        }
    }

    #[cfg(feature = "postgres")]
    async fn connect_postgres(database_url: &str) -> Result<Self, StoreError> {
        let client = crate::store::pg_tls::connect(database_url).await?;
        Ok(Db::Postgres(Arc::new(PgConn {
            url: database_url.to_owned(),
            current: Mutex::new((Arc::new(client), Arc::new(Mutex::new(HashMap::new())))),
            reconnect: tokio::sync::Mutex::new(()),
        })))
    }

    /// Runs `f` on SQLite's writing connection, on the blocking pool (for the migrations, which
    /// need their own transaction).
    ///
    /// # Errors
    ///
    /// `f`'s error, or [`StoreError::NotSqlite`].
    #[cfg(feature = "sqlite")]
    pub(crate) async fn with_sqlite_writer<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        match self {
            Db::Sqlite(file) => Self::sqlite(file, true, f).await,
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => Err(StoreError::NotSqlite),
        }
    }

    /// A new PostgreSQL connection of its own (for the migrations, which need a transaction,
    /// which the shared pipelined connection cannot hold).
    ///
    /// # Errors
    ///
    /// The connection failing, or this is SQLite.
    #[cfg(feature = "postgres")]
    pub(crate) async fn postgres_session(&self) -> Result<tokio_postgres::Client, StoreError> {
        match self {
            Db::Postgres(pg) => crate::store::pg_tls::connect(&pg.url).await,
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => Err(StoreError::PostgresSettings("not a PostgreSQL store".into())),
        }
    }

    /// Whether this is the shared PostgreSQL store.
    pub fn is_postgres(&self) -> bool {
        #[cfg(feature = "postgres")]
        if matches!(self, Db::Postgres(_)) {
            return true;
        }
        false
    }

    /// The backend's spelling of `text` (see the module docs).
    pub fn sql(&self, text: &str) -> String {
        match self {
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => text.replace("{now}", PG_NOW_MS),
            #[cfg(feature = "sqlite")]
            Db::Sqlite(_) => text
                .replace("{now}", SQLITE_NOW_MS)
                .replace(" FOR UPDATE SKIP LOCKED", "")
                .replace('$', "?"),
        }
    }

    #[cfg(feature = "sqlite")]
    async fn sqlite<T: Send + 'static>(
        file: &Arc<SqliteFile>,
        write: bool,
        f: impl FnOnce(&mut rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let file = file.clone();
        tokio::task::spawn_blocking(move || {
            let conn = if write { &file.writer } else { &file.reader };
            f(&mut conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
        })
        .await
        .map_err(|_| StoreError::Interrupted)?
    }

    /// One statement, its rows mapped; on SQLite's writer (at `durability`) or reader.
    async fn run<T: Send + 'static>(
        &self,
        text: &str,
        args: Vec<Arg>,
        write: Option<Durability>,
        map: RowMap<T>,
    ) -> Result<Vec<T>, StoreError> {
        let sql = self.sql(text);
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(file) => {
                Self::sqlite(file, write.is_some(), move |c| {
                    let relaxed = write == Some(Durability::Relaxed);
                    if relaxed {
                        c.execute_batch("PRAGMA synchronous=NORMAL")?;
                    }
                    let result = (|| {
                        let mut stmt = c.prepare_cached(&sql)?;
                        let mut rows = stmt.query(rusqlite::params_from_iter(args.iter()))?;
                        let mut out = Vec::new();
                        while let Some(r) = rows.next()? {
                            out.push(map(&Cols::Sqlite(r))?);
                        }
                        Ok(out)
                    })();
                    if relaxed {
                        c.execute_batch("PRAGMA synchronous=FULL")?;
                    }
                    result
                })
                .await
            }
            #[cfg(feature = "postgres")]
            Db::Postgres(pg) => {
                let _ = write;
                let (client, stmt) = pg.prepared(&sql).await?;
                client
                    .query(&stmt, &pg_args(&args))
                    .await?
                    .iter()
                    .map(|r| map(&Cols::Postgres(r)))
                    .collect()
            }
        }
    }

    /// A statement that only reads, its rows mapped.
    ///
    /// # Errors
    ///
    /// The database's error, or `map`'s.
    pub async fn read<T: Send + 'static>(
        &self,
        text: &str,
        args: Vec<Arg>,
        map: RowMap<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.run(text, args, None, map).await
    }

    /// A statement that writes (`RETURNING` rows mapped, or none).
    ///
    /// # Errors
    ///
    /// The database's error, or `map`'s.
    pub async fn write<T: Send + 'static>(
        &self,
        text: &str,
        args: Vec<Arg>,
        durability: Durability,
        map: RowMap<T>,
    ) -> Result<Vec<T>, StoreError> {
        self.run(text, args, Some(durability), map).await
    }

    /// A statement that writes and returns nothing. Durable SQLite writes are group-committed.
    ///
    /// # Errors
    ///
    /// The database's error.
    pub async fn exec(&self, text: &str, args: Vec<Arg>, durability: Durability) -> Result<(), StoreError> {
        if durability == Durability::Durable && !self.is_postgres() {
            return self.sqlite_transaction(vec![(text, args)]).await.map(drop);
        }
        self.write(text, args, durability, |_| Ok(())).await.map(drop)
    }

    /// SQLite only: runs the statements atomically and durably (group-committed with other
    /// durable writes); the rows each changed. (PostgreSQL writes of several tables are single
    /// statements, see the module docs.)
    ///
    /// # Errors
    ///
    /// The database's error (then none of the statements took effect), or this is PostgreSQL.
    pub async fn sqlite_transaction(&self, steps: Vec<(&str, Vec<Arg>)>) -> Result<Vec<u64>, StoreError> {
        match self {
            #[cfg(feature = "sqlite")]
            Db::Sqlite(file) => self.group_commit(file, steps).await,
            #[cfg(feature = "postgres")]
            Db::Postgres(_) => {
                let _ = steps;
                Err(StoreError::NotSqlite)
            }
        }
    }

    /// Queues `steps` for the next group commit and waits for it.
    #[cfg(feature = "sqlite")]
    async fn group_commit(&self, file: &Arc<SqliteFile>, steps: Vec<(&str, Vec<Arg>)>) -> Result<Vec<u64>, StoreError> {
        let steps = steps.into_iter().map(|(t, a)| (self.sql(t), a)).collect();
        let (done, result) = tokio::sync::oneshot::channel();
        let lead = {
            let mut q = file.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            q.writes.push(QueuedWrite { steps, done });
            !std::mem::replace(&mut q.committing, true)
        };
        if lead {
            let file = file.clone();
            // Runs to the end even if this caller goes away; the others wait on their channel.
            drop(tokio::task::spawn_blocking(move || file.commit_queued()));
        }
        result.await.map_err(|_| StoreError::Interrupted)?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_query_text_for_both_backends() {
        let path = std::env::temp_dir().join(format!(
            "cb-db-{}.db",
            checkout_bridge::new_idempotency_key().expect("randomness")
        ));
        let db = Db::connect(&format!("sqlite://{}", path.display()))
            .await
            .expect("open");
        db.exec(
            "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, n BIGINT NOT NULL, b BOOLEAN NOT NULL, o TEXT)",
            vec![],
            Durability::Durable,
        )
        .await
        .expect("table");
        let ins = "INSERT INTO t VALUES ($1, $2, $3, $4) ON CONFLICT (k) DO NOTHING RETURNING k";
        let inserted: RowMap<String> = |r| r.get(0);
        let a = vec!["a".into(), 1i64.into(), true.into(), None.into()];
        assert_eq!(
            db.write(ins, a, Durability::Durable, inserted).await.ok(),
            Some(vec!["a".to_owned()])
        );
        let again = vec!["a".into(), 2i64.into(), false.into(), None.into()];
        assert_eq!(
            db.write(ins, again, Durability::Relaxed, inserted).await.ok(),
            Some(vec![])
        );
        // The reading connection cannot write.
        let b = vec!["b".into(), 1i64.into(), true.into(), None.into()];
        assert!(db.read(ins, b, inserted).await.is_err());
        let rows = db
            .read("SELECT k, n, b, o, {now} FROM t WHERE k = $1", vec!["a".into()], |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<i64>(1)?,
                    r.get::<bool>(2)?,
                    r.get::<Option<String>>(3)?,
                    r.get::<i64>(4)?,
                ))
            })
            .await
            .expect("query");
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].0.as_str(), rows[0].1, rows[0].2, rows[0].3.clone()),
            ("a", 1, true, None)
        );
        let now_ms = crate::base::clock::unix_now() * 1000;
        assert!(
            (rows[0].4 - now_ms).abs() < 5_000,
            "the SQLite clock in ms: {}",
            rows[0].4
        );
        // A column read as the wrong type is an error, not a panic.
        let wrong = db.read("SELECT k FROM t", vec![], |r| r.get::<i64>(0)).await;
        assert!(wrong.is_err());
        // Concurrent durable writes are committed in batches, each atomic on its own: the one
        // that fails (a NOT NULL violation in its second statement) leaves no trace, the
        // others all land.
        let mut writes = Vec::new();
        for i in 0..50i64 {
            let db = db.clone();
            writes.push(tokio::spawn(async move {
                let first: Vec<Arg> = vec![format!("g{i}").into(), i.into(), true.into(), None.into()];
                let second: Vec<Arg> = if i == 7 {
                    vec![format!("h{i}").into(), i.into(), true.into(), None.into()]
                } else {
                    vec![format!("h{i}").into(), i.into(), false.into(), None.into()]
                };
                let bad = "INSERT INTO t VALUES ($1, NULL, $3, $4)";
                let good = "INSERT INTO t VALUES ($1, $2, $3, $4)";
                let second_sql = if i == 7 { bad } else { good };
                db.sqlite_transaction(vec![(good, first), (second_sql, second)]).await
            }));
        }
        let mut failed = 0;
        for w in writes {
            match w.await.expect("join") {
                Ok(changed) => assert_eq!(changed, vec![1, 1]),
                Err(_) => failed += 1,
            }
        }
        assert_eq!(failed, 1);
        let count = db
            .read("SELECT count(*) FROM t WHERE k LIKE 'g%' OR k LIKE 'h%'", vec![], |r| {
                r.get::<i64>(0)
            })
            .await
            .expect("count");
        assert_eq!(count, vec![98]);
        let absent = db
            .read("SELECT count(*) FROM t WHERE k = 'g7'", vec![], |r| r.get::<i64>(0))
            .await;
        assert_eq!(absent.ok(), Some(vec![0]));
        assert_eq!(
            db.sql("SELECT 1 FROM t WHERE k = $1 FOR UPDATE SKIP LOCKED"),
            "SELECT 1 FROM t WHERE k = ?1"
        );
        let _ = std::fs::remove_file(path);
    }
}
