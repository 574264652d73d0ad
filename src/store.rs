//! Where pending checkouts live between `start` and the verified outcome: durably, because the
//! app may be killed while the customer is on the Checkout page.
//!
//! Apps can bring their own store (Room, Core Data, Keychain…) by implementing [`PendingStore`]
//! in Kotlin or Swift; [`FileStore`] is the built-in default.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, Weak};

use serde::{Deserialize, Serialize};

use crate::error::CheckoutError;
use crate::model::{CheckoutMode, PaymentOutcome};
use crate::os::{new_state, unix_now};

/// What the app created, recorded before `start` returns so it survives a killed process.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PendingCheckout {
    /// The Checkout Session ID.
    pub session_id: String,
    /// The nonce in the return links.
    pub state: String,
    /// The hosted page to open.
    pub url: String,
    /// Total at creation, minor units. For information only: promotion codes, tax, shipping
    /// and adjusted quantities change it legitimately (see `PaymentResult.receipt`).
    pub amount_total: Option<i64>,
    /// Currency as created.
    pub currency: Option<String>,
    /// Mode as created.
    #[serde(with = "mode_serde")]
    pub mode: CheckoutMode,
    /// Test or live mode as created.
    pub livemode: bool,
    /// Unix time the session was created.
    pub created: i64,
    /// Unix time the session expires.
    pub expires_at: i64,
    /// The last verified outcome; `None` until one is known.
    #[serde(default)]
    pub outcome: Option<PaymentOutcome>,
}

mod mode_serde {
    use super::CheckoutMode;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(m: &CheckoutMode, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(m.as_str())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<CheckoutMode, D::Error> {
        Ok(CheckoutMode::from_wire(&String::deserialize(d)?))
    }
}

/// Durable storage of pending checkouts. Implement it in Kotlin or Swift to use your own
/// database; every method must be durable when it returns `Ok`.
#[cfg_attr(feature = "ffi", uniffi::export(with_foreign))]
pub trait PendingStore: Send + Sync {
    /// Inserts or replaces the checkout with the same `session_id`.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::Storage`] when the checkout could not be stored durably; the flow then
    /// expires the new session rather than leave it payable without a record. (From Kotlin or
    /// Swift, anything else thrown arrives as `Storage` too.)
    fn save(&self, checkout: PendingCheckout) -> Result<(), CheckoutError>;
    /// Removes a checkout; removing an unknown ID is not an error.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::Storage`] when the removal could not be made durable.
    fn remove(&self, session_id: String) -> Result<(), CheckoutError>;
    /// Every stored checkout.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::Storage`] when the store cannot be read.
    fn load_all(&self) -> Result<Vec<PendingCheckout>, CheckoutError>;
}

const FILE_NAME: &str = "pending-checkouts.json";
/// Beside the store file: the cross-process lock, and a change counter (see [`FileStore`]).
const LOCK_NAME: &str = "pending-checkouts.lock";
/// Temporary files are `pending-checkouts.json.tmp-<random>`.
const TMP_PREFIX: &str = "pending-checkouts.json.tmp-";
const FORMAT_VERSION: u32 = 1;

/// How long after its session's `expires_at` an unresolved checkout is kept: one day.
pub const KEEP_ABANDONED_SECS: i64 = 24 * 60 * 60;

/// Whether a stored checkout is abandoned and may be dropped: its outcome is unknown or
/// `Open` (nothing came back, or the customer came back without paying), and its session's
/// `expires_at` is more than [`KEEP_ABANDONED_SECS`] in the past, so Stripe has long expired
/// it unless it was paid before.
///
/// `Processing` checkouts are kept (the session completed; a delayed payment can take days) and
/// final ones are kept for a week by their own rule. An app that calls `resolve_pending` on
/// start learns every outcome well before this; the payment of a checkout the app never asked
/// about is still recorded at Stripe and fulfilled by the backend's webhook.
pub(crate) fn abandoned(p: &PendingCheckout, now: i64) -> bool {
    matches!(p.outcome, None | Some(PaymentOutcome::Open)) && p.expires_at < now.saturating_sub(KEEP_ABANDONED_SECS)
}

#[derive(Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    checkouts: Vec<PendingCheckout>,
}

/// [`FileFormat`] as written: borrows the entries, so a rewrite copies none of them.
#[derive(Serialize)]
struct FileFormatRef<'a> {
    version: u32,
    checkouts: Vec<&'a PendingCheckout>,
}

/// The built-in store: one JSON file in a directory the app gives (its private files dir).
///
/// - **Crash-safe.** Every change is written to a new temporary file (unique name, created
///   exclusively, never through a symlink), fsynced, renamed over the old file and the
///   directory fsynced, so a killed process leaves either the old or the new file, never a torn
///   one. A file that cannot be read is moved aside (never silently wiped) and reported as a
///   `Storage` error.
/// - **One folder, one store.** [`FileStore::open`] returns the same instance for the same
///   directory (by canonical path) while one is alive in the process, and processes that share
///   the folder (an app's main and `:remote` processes, a test runner) take an advisory lock on
///   `pending-checkouts.lock` around every change: the change is applied to the file's current
///   content, re-read when another process has written since (a counter in the lock file says
///   so), so no process overwrites another's records.
/// - **Private.** The directory is made `0700` and the files are created `0600` (Unix).
/// - **Pruned** by `CheckoutFlow::start`: final outcomes a week after creation, and unresolved
///   checkouts a day after their session expired.
///
/// The whole file is rewritten on every change: fine for the handful of checkouts an app has
/// pending (`BENCHMARKS.md` has the figures).
pub struct FileStore {
    dir: PathBuf,
    /// Held open for the store's life: `flock`ed around every operation; its first 8 bytes count
    /// the writes to the store file, so a process can tell whether its copy is current.
    lock_file: File,
    cache: Mutex<Cache>,
}

/// The store file's content as this process last read or wrote it.
struct Cache {
    generation: u64,
    entries: BTreeMap<String, PendingCheckout>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn storage(what: &str, e: impl std::fmt::Display) -> CheckoutError {
    CheckoutError::Storage {
        reason: format!("{what}: {e}"),
    }
}

/// Opens the built-in [`FileStore`] in `dir` (the app's private files directory), as the
/// `PendingStore` that `CheckoutFlow` takes. See [`FileStore::open`].
///
/// # Errors
///
/// As [`FileStore::open`].
#[cfg_attr(feature = "ffi", uniffi::export)]
pub fn open_file_store(dir: String) -> Result<Arc<dyn PendingStore>, CheckoutError> {
    Ok(FileStore::open(dir)?)
}

/// The stores open in this process, by canonical directory.
fn registry() -> MutexGuard<'static, HashMap<PathBuf, Weak<FileStore>>> {
    static OPEN: OnceLock<Mutex<HashMap<PathBuf, Weak<FileStore>>>> = OnceLock::new();
    OPEN.get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

impl FileStore {
    /// Opens (creating if needed) the store in `dir` and loads it; while a store for the same
    /// directory is alive in this process, returns that one (however `dir` is spelled).
    ///
    /// A corrupt file is renamed to `pending-checkouts.json.corrupt-<unix time>` and reported
    /// as `Storage`; the next open starts empty. Temporary files left by a killed process are
    /// removed.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::Storage`] when the directory cannot be created or made private, the lock
    /// file cannot be opened or locked, or the file cannot be read, or when the file is
    /// unreadable (then it is preserved aside, as above).
    pub fn open(dir: String) -> Result<Arc<Self>, CheckoutError> {
        let dir = PathBuf::from(dir);
        fs::create_dir_all(&dir).map_err(|e| storage("cannot create the store directory", e))?;
        let dir = fs::canonicalize(&dir).map_err(|e| storage("cannot resolve the store directory", e))?;
        // Held while opening, so two threads opening one folder get one store.
        let mut open = registry();
        if let Some(store) = open.get(&dir).and_then(Weak::upgrade) {
            return Ok(store);
        }
        make_private(&dir)?;
        let lock_file =
            open_private(&dir.join(LOCK_NAME), false).map_err(|e| storage("cannot open the store's lock file", e))?;
        let cache = {
            let _lock = FileLock::exclusive(&lock_file)?;
            remove_temporaries(&dir);
            let generation = read_generation(&lock_file)?;
            let entries = match read_entries(&dir) {
                Ok(entries) => entries,
                Err(Unreadable::Io(e)) => return Err(e),
                Err(Unreadable::Corrupt(why)) => {
                    let aside = dir.join(format!("{FILE_NAME}.corrupt-{}", unix_now()));
                    fs::rename(dir.join(FILE_NAME), &aside)
                        .map_err(|e| storage("cannot move the corrupt store aside", e))?;
                    sync_dir(&dir)?;
                    // Other processes must not keep writing their copy of what was lost.
                    write_generation(&lock_file, generation.wrapping_add(1))?;
                    return Err(CheckoutError::Storage {
                        reason: format!("pending store was unreadable ({why}); preserved as {}", aside.display()),
                    });
                }
            };
            Cache { generation, entries }
        };
        let store = Arc::new(FileStore {
            dir: dir.clone(),
            lock_file,
            cache: Mutex::new(cache),
        });
        open.retain(|_, s| s.strong_count() > 0);
        open.insert(dir, Arc::downgrade(&store));
        Ok(store)
    }

    /// The directory the store lives in (canonical).
    pub fn directory(&self) -> String {
        self.dir.display().to_string()
    }
}

impl FileStore {
    fn cache(&self) -> MutexGuard<'_, Cache> {
        // A panic while holding the lock cannot leave the cache half-updated (changes are
        // applied to a copy first), so a poisoned lock is still consistent.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Brings `cache` up to date with the file if another process wrote since; call with the
    /// file lock held.
    fn refresh(&self, cache: &mut Cache) -> Result<(), CheckoutError> {
        let generation = read_generation(&self.lock_file)?;
        if generation != cache.generation {
            cache.entries = read_entries(&self.dir).map_err(|e| match e {
                Unreadable::Io(e) => e,
                Unreadable::Corrupt(why) => storage("the store file was changed to something unreadable", why),
            })?;
            cache.generation = generation;
        }
        Ok(())
    }

    /// Under the in-process mutex and the exclusive file lock: refreshes, applies `change` to a
    /// copy, persists it, and only then makes it visible. A failed write (full disk, read-only
    /// directory) leaves memory and disk as they were.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, PendingCheckout>)) -> Result<(), CheckoutError> {
        let mut cache = self.cache();
        let _lock = FileLock::exclusive(&self.lock_file)?;
        self.refresh(&mut cache)?;
        let mut next = cache.entries.clone();
        change(&mut next);
        if next == cache.entries {
            return Ok(());
        }
        // Counted before the rename: a process killed right after it still leaves the others
        // knowing that the file changed.
        let generation = cache.generation.wrapping_add(1);
        write_generation(&self.lock_file, generation)?;
        match write_atomically(&self.dir, &next) {
            Ok(()) => {}
            Err(Write::BeforeRename(e)) => {
                // The file is untouched: so is the counter (best effort; a stale counter only
                // costs one re-read).
                let _ = write_generation(&self.lock_file, cache.generation);
                return Err(e);
            }
            // Renamed, so the file has changed, but its durability is unknown: report it, and
            // let the next operation re-read what is there.
            Err(Write::AfterRename(e)) => return Err(e),
        }
        *cache = Cache {
            generation,
            entries: next,
        };
        Ok(())
    }
}

impl PendingStore for FileStore {
    fn save(&self, checkout: PendingCheckout) -> Result<(), CheckoutError> {
        self.update(|m| {
            m.insert(checkout.session_id.clone(), checkout);
        })
    }

    fn remove(&self, session_id: String) -> Result<(), CheckoutError> {
        self.update(|m| {
            m.remove(&session_id);
        })
    }

    fn load_all(&self) -> Result<Vec<PendingCheckout>, CheckoutError> {
        let mut cache = self.cache();
        let _lock = FileLock::shared(&self.lock_file)?;
        self.refresh(&mut cache)?;
        Ok(cache.entries.values().cloned().collect())
    }
}

/// An advisory lock on the lock file (`flock` on Unix, `LockFileEx` on Windows), released
/// when dropped. It orders processes; threads are ordered by the cache mutex, taken first.
struct FileLock<'a>(&'a File);

impl<'a> FileLock<'a> {
    fn exclusive(file: &'a File) -> Result<Self, CheckoutError> {
        file.lock().map_err(|e| storage("cannot lock the store", e))?;
        Ok(FileLock(file))
    }

    fn shared(file: &'a File) -> Result<Self, CheckoutError> {
        file.lock_shared().map_err(|e| storage("cannot lock the store", e))?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

fn read_generation(lock_file: &File) -> Result<u64, CheckoutError> {
    let mut bytes = [0u8; 8];
    let mut f = lock_file;
    let mut filled = 0;
    let read = f.seek(SeekFrom::Start(0)).and_then(|_| {
        while filled < bytes.len() {
            match f.read(&mut bytes[filled..])? {
                0 => break,
                n => filled += n,
            }
        }
        Ok(())
    });
    read.map_err(|e| storage("cannot read the store's lock file", e))?;
    // A new (empty) lock file is generation 0, as is a store this process has not written.
    Ok(if filled == bytes.len() {
        u64::from_le_bytes(bytes)
    } else {
        0
    })
}

fn write_generation(lock_file: &File, generation: u64) -> Result<(), CheckoutError> {
    let mut f = lock_file;
    f.seek(SeekFrom::Start(0))
        .and_then(|_| f.write_all(&generation.to_le_bytes()))
        .map_err(|e| storage("cannot write the store's lock file", e))
}

/// Why the store file could not be read.
enum Unreadable {
    /// The file system failed (the error says how).
    Io(CheckoutError),
    /// The content is not a store file of this version (why).
    Corrupt(String),
}

fn read_entries(dir: &Path) -> Result<BTreeMap<String, PendingCheckout>, Unreadable> {
    let mut bytes = Vec::new();
    let read = open_no_follow(&dir.join(FILE_NAME)).and_then(|mut f| f.read_to_end(&mut bytes));
    match read {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(Unreadable::Io(storage("cannot read the store", e))),
    }
    match serde_json::from_slice::<FileFormat>(&bytes) {
        Ok(f) if f.version == FORMAT_VERSION => {
            Ok(f.checkouts.into_iter().map(|c| (c.session_id.clone(), c)).collect())
        }
        Ok(f) => Err(Unreadable::Corrupt(format!("unsupported format version {}", f.version))),
        Err(e) => Err(Unreadable::Corrupt(e.to_string())),
    }
}

/// How a write failed: before the rename (the store file is as it was) or after it.
enum Write {
    BeforeRename(CheckoutError),
    AfterRename(CheckoutError),
}

fn write_atomically(dir: &Path, entries: &BTreeMap<String, PendingCheckout>) -> Result<(), Write> {
    let body = serde_json::to_vec(&FileFormatRef {
        version: FORMAT_VERSION,
        checkouts: entries.values().collect(),
    })
    .map_err(|e| Write::BeforeRename(storage("cannot encode the store", e)))?;
    // Unique per write (128 random bits) and created exclusively: never another writer's file,
    // never a file or symlink someone left at a predictable name.
    let tmp = dir.join(format!("{TMP_PREFIX}{}", new_state().map_err(Write::BeforeRename)?));
    let result = (|| {
        let mut f = open_private(&tmp, true)?;
        f.write_all(&body)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, dir.join(FILE_NAME))
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(Write::BeforeRename(storage("cannot write the store", e)));
    }
    sync_dir(dir).map_err(Write::AfterRename)
}

/// Removes temporary files a killed writer left behind; call with the exclusive lock held
/// (no live writer has one then).
fn remove_temporaries(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// Opens `path` for reading and writing, owner-only (`0600`), never through a symlink:
/// `create_new` creates it exclusively (failing on anything already there), otherwise it is
/// created if missing.
fn open_private(path: &Path, create_new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Opens `path` for reading, never through a symlink.
fn open_no_follow(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Owner-only access to the store directory (`0700`) on Unix; elsewhere the app's data
/// directory is already private.
fn make_private(dir: &Path) -> Result<(), CheckoutError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(|e| storage("cannot make the store directory private", e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Makes the rename itself durable (POSIX needs an fsync of the directory).
fn sync_dir(dir: &Path) -> Result<(), CheckoutError> {
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| storage("cannot sync the store directory", e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "cb-store-{tag}-{}-{}",
            std::process::id(),
            crate::os::new_idempotency_key().unwrap()
        ));
        fs::create_dir_all(&d).expect("tmp dir");
        d
    }

    pub(crate) fn sample(id: &str) -> PendingCheckout {
        PendingCheckout {
            session_id: id.into(),
            state: "0123456789abcdef0123456789abcdef".into(),
            url: "https://checkout.example/pay".into(),
            amount_total: Some(1000),
            currency: Some("usd".into()),
            mode: CheckoutMode::Payment,
            livemode: false,
            created: 1,
            expires_at: 2,
            outcome: None,
        }
    }

    #[test]
    fn survives_reopen() {
        let d = tmpdir("reopen");
        let s = FileStore::open(d.display().to_string()).expect("open");
        s.save(sample("cs_1")).expect("save");
        s.save(sample("cs_2")).expect("save");
        s.remove("cs_1".into()).expect("remove");
        s.remove("cs_unknown".into()).expect("remove unknown is fine");
        drop(s);
        let s = FileStore::open(d.display().to_string()).expect("reopen");
        let all = s.load_all().expect("load");
        assert_eq!(all, vec![sample("cs_2")]);
    }

    #[test]
    fn corrupt_file_is_preserved_and_reported() {
        let d = tmpdir("corrupt");
        fs::write(d.join(FILE_NAME), b"{\"version\":1,\"checkouts\":[{\"sess").expect("write");
        let err = FileStore::open(d.display().to_string()).expect_err("corrupt");
        assert!(
            matches!(err, CheckoutError::Storage { ref reason } if reason.contains("preserved as")),
            "{err:?}"
        );
        let preserved: Vec<_> = fs::read_dir(&d)
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".corrupt-"))
            .collect();
        assert_eq!(preserved.len(), 1);
        assert_eq!(
            fs::read(preserved[0].path()).expect("read"),
            b"{\"version\":1,\"checkouts\":[{\"sess"
        );
        // The next open starts empty and works.
        let s = FileStore::open(d.display().to_string()).expect("fresh");
        assert!(s.load_all().expect("load").is_empty());
    }

    #[test]
    fn a_failed_write_changes_nothing() {
        let d = tmpdir("fail");
        let s = FileStore::open(d.display().to_string()).expect("open");
        s.save(sample("cs_1")).expect("save");
        let on_disk = fs::read(d.join(FILE_NAME)).expect("read");
        // A non-empty directory where the file must go: the rename fails, as on a full disk.
        fs::remove_file(d.join(FILE_NAME)).expect("rm");
        fs::create_dir_all(d.join(FILE_NAME).join("blocker")).expect("block");
        let err = s.save(sample("cs_2")).expect_err("write fails");
        assert!(matches!(err, CheckoutError::Storage { ref reason } if reason.contains("cannot write")));
        assert_eq!(s.load_all().expect("load"), vec![sample("cs_1")]);
        let temporaries = fs::read_dir(&d)
            .expect("dir")
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(TMP_PREFIX))
            .count();
        assert_eq!(temporaries, 0, "the temporary file is removed");
        fs::remove_dir_all(d.join(FILE_NAME)).expect("unblock");
        fs::write(d.join(FILE_NAME), on_disk).expect("restore");
        drop(s);
        let reopened = FileStore::open(d.display().to_string()).expect("reopen");
        assert_eq!(reopened.load_all().expect("load"), vec![sample("cs_1")]);
    }

    #[test]
    fn one_folder_is_one_store_in_a_process() {
        let d = tmpdir("one");
        let a = FileStore::open(d.display().to_string()).expect("open");
        // The same folder spelled another way (a trailing `/.`, a symlink) is the same store.
        let b = FileStore::open(format!("{}/.", d.display())).expect("open again");
        assert!(Arc::ptr_eq(&a, &b));
        #[cfg(unix)]
        {
            let link = d.with_extension("link");
            std::os::unix::fs::symlink(&d, &link).expect("symlink");
            let c = FileStore::open(link.display().to_string()).expect("via symlink");
            assert!(Arc::ptr_eq(&a, &c));
            let _ = fs::remove_file(link);
        }
        a.save(sample("cs_a")).expect("save a");
        b.save(sample("cs_b")).expect("save b");
        let ids: Vec<String> = a.load_all().expect("load").into_iter().map(|p| p.session_id).collect();
        assert_eq!(ids, ["cs_a", "cs_b"]);
        // Once every handle is gone, the next open reads the folder afresh.
        let dir = a.directory();
        drop((a, b));
        let fresh = FileStore::open(dir).expect("reopen");
        assert_eq!(fresh.load_all().expect("load").len(), 2);
    }

    #[test]
    fn two_stores_on_one_folder_keep_each_others_records() {
        // Two independent stores on one folder, as two processes have: each must apply its
        // change to the file's current content, not to its own stale copy.
        let d = tmpdir("two");
        let a = FileStore::open(d.display().to_string()).expect("open");
        a.save(sample("cs_seen_by_both")).expect("save");
        let b = detached(&d);
        for i in 0..20 {
            a.save(sample(&format!("cs_a{i:02}"))).expect("save a");
            b.save(sample(&format!("cs_b{i:02}"))).expect("save b");
        }
        b.remove("cs_a00".into()).expect("b removes a record a wrote");
        a.remove("cs_b00".into()).expect("a removes a record b wrote");
        for store in [&*a, &b] {
            let all = store.load_all().expect("load");
            assert_eq!(
                all.len(),
                39,
                "{:?}",
                all.iter().map(|p| &p.session_id).collect::<Vec<_>>()
            );
            assert!(all.iter().all(|p| p.session_id != "cs_a00" && p.session_id != "cs_b00"));
        }
    }

    /// A second store on `d` outside the registry: what another process has.
    fn detached(d: &Path) -> FileStore {
        let lock_file = open_private(&d.join(LOCK_NAME), false).expect("lock file");
        let (generation, entries) = {
            let _lock = FileLock::shared(&lock_file).expect("lock");
            let generation = read_generation(&lock_file).expect("generation");
            let entries = read_entries(d).unwrap_or_else(|_| panic!("readable"));
            (generation, entries)
        };
        FileStore {
            dir: d.to_path_buf(),
            lock_file,
            cache: Mutex::new(Cache { generation, entries }),
        }
    }

    #[cfg(unix)]
    #[test]
    fn files_are_private_and_symlinks_are_not_followed() {
        use std::os::unix::fs::PermissionsExt;
        let d = tmpdir("private");
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).expect("chmod");
        let s = FileStore::open(d.display().to_string()).expect("open");
        s.save(sample("cs_1")).expect("save");
        let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode(&d), 0o700);
        assert_eq!(mode(&d.join(FILE_NAME)), 0o600);
        assert_eq!(mode(&d.join(LOCK_NAME)), 0o600);
        drop(s);
        // A store file replaced by a symlink (to a file the app must not read or clobber) is
        // refused, not followed.
        let target = d.with_extension("target");
        fs::write(&target, b"not yours").expect("target");
        fs::remove_file(d.join(FILE_NAME)).expect("rm");
        std::os::unix::fs::symlink(&target, d.join(FILE_NAME)).expect("symlink");
        let err = FileStore::open(d.display().to_string()).expect_err("symlink refused");
        assert!(matches!(err, CheckoutError::Storage { .. }), "{err:?}");
        assert_eq!(fs::read(&target).expect("read"), b"not yours");
        let _ = fs::remove_file(target);
    }

    #[test]
    fn leftover_temporary_files_are_removed_on_open() {
        let d = tmpdir("leftover");
        fs::write(d.join(format!("{TMP_PREFIX}0123")), b"half a write").expect("leftover");
        let _s = FileStore::open(d.display().to_string()).expect("open");
        assert!(!d.join(format!("{TMP_PREFIX}0123")).exists());
    }

    #[test]
    fn abandoned_is_unresolved_and_a_day_past_expiry() {
        let now = 1_800_000_000;
        let at = |expires_at: i64, outcome: Option<PaymentOutcome>| PendingCheckout {
            expires_at,
            outcome,
            ..sample("cs_1")
        };
        let long_ago = now - KEEP_ABANDONED_SECS - 1;
        assert!(abandoned(&at(long_ago, None), now));
        assert!(abandoned(&at(long_ago, Some(PaymentOutcome::Open)), now));
        assert!(
            !abandoned(&at(now - KEEP_ABANDONED_SECS, None), now),
            "exactly a day: kept"
        );
        assert!(!abandoned(&at(now + 3600, None), now), "still open at Stripe");
        // A delayed payment outlives its session's expiry; final ones have their own rule.
        for kept in [
            PaymentOutcome::Processing,
            PaymentOutcome::Paid,
            PaymentOutcome::Canceled,
            PaymentOutcome::Expired,
        ] {
            assert!(!abandoned(&at(long_ago, Some(kept)), now), "{kept:?}");
        }
    }

    #[test]
    fn concurrent_saves_from_many_threads_all_land() {
        let d = tmpdir("concurrent");
        let s = FileStore::open(d.display().to_string()).expect("open");
        std::thread::scope(|scope| {
            for t in 0..8 {
                let s = &s;
                scope.spawn(move || {
                    for i in 0..10 {
                        s.save(sample(&format!("cs_{t}_{i}"))).expect("save");
                    }
                });
            }
        });
        let reopened = FileStore::open(d.display().to_string()).expect("reopen");
        assert_eq!(reopened.load_all().expect("load").len(), 80);
    }
}
