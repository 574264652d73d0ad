//! Where pending checkouts live between `start` and the verified outcome: durably, because the
//! app may be killed while the customer is on the Checkout page.
//!
//! Apps can bring their own store (Room, Core Data, Keychain…) by implementing [`PendingStore`]
//! in Kotlin or Swift; [`FileStore`] is the built-in default.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::error::CheckoutError;
use crate::model::{CheckoutMode, PaymentOutcome};
use crate::os::unix_now;

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
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct FileFormat {
    version: u32,
    checkouts: Vec<PendingCheckout>,
}

/// The built-in store: one JSON file in a directory the app gives (its private files dir).
///
/// Every change is written to a temporary file, fsynced, renamed over the old file and the
/// directory fsynced, so a killed process leaves either the old or the new file, never a torn
/// one. A file that cannot be read is moved aside (never silently wiped) and reported as a
/// `Storage` error.
pub struct FileStore {
    dir: PathBuf,
    entries: Mutex<BTreeMap<String, PendingCheckout>>,
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
pub fn open_file_store(dir: String) -> Result<std::sync::Arc<dyn PendingStore>, CheckoutError> {
    Ok(FileStore::open(dir)?)
}

impl FileStore {
    /// Opens (creating if needed) the store in `dir` and loads it.
    ///
    /// A corrupt file is renamed to `pending-checkouts.json.corrupt-<unix time>` and reported
    /// as `Storage`; the next open starts empty.
    ///
    /// # Errors
    ///
    /// [`CheckoutError::Storage`] when the directory cannot be created or the file cannot be
    /// read, or when the file is unreadable (then it is preserved aside, as above).
    pub fn open(dir: String) -> Result<std::sync::Arc<Self>, CheckoutError> {
        let dir = PathBuf::from(dir);
        fs::create_dir_all(&dir).map_err(|e| storage("cannot create the store directory", e))?;
        let path = dir.join(FILE_NAME);
        let entries = match fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<FileFormat>(&bytes) {
                Ok(f) if f.version == FORMAT_VERSION => {
                    f.checkouts.into_iter().map(|c| (c.session_id.clone(), c)).collect()
                }
                other => {
                    let why = match other {
                        Ok(f) => format!("unsupported format version {}", f.version),
                        Err(e) => e.to_string(),
                    };
                    let aside = dir.join(format!("{FILE_NAME}.corrupt-{}", unix_now()));
                    fs::rename(&path, &aside).map_err(|e| storage("cannot move the corrupt store aside", e))?;
                    sync_dir(&dir)?;
                    return Err(CheckoutError::Storage {
                        reason: format!("pending store was unreadable ({why}); preserved as {}", aside.display()),
                    });
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(storage("cannot read the store", e)),
        };
        Ok(std::sync::Arc::new(FileStore {
            dir,
            entries: Mutex::new(entries),
        }))
    }

    /// The directory the store lives in.
    pub fn directory(&self) -> String {
        self.dir.display().to_string()
    }
}

impl FileStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, PendingCheckout>> {
        // A panic while holding the lock cannot leave the map half-updated (changes are applied
        // to a copy first), so a poisoned lock is still consistent.
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `change` to a copy, persists it, and only then makes it visible: a failed write
    /// (full disk, read-only directory) leaves memory and disk as they were.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, PendingCheckout>)) -> Result<(), CheckoutError> {
        let mut guard = self.lock();
        let mut next = guard.clone();
        change(&mut next);
        write_atomically(&self.dir, &next)?;
        *guard = next;
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
        if !self.lock().contains_key(&session_id) {
            return Ok(());
        }
        self.update(|m| {
            m.remove(&session_id);
        })
    }

    fn load_all(&self) -> Result<Vec<PendingCheckout>, CheckoutError> {
        Ok(self.lock().values().cloned().collect())
    }
}

fn write_atomically(dir: &Path, entries: &BTreeMap<String, PendingCheckout>) -> Result<(), CheckoutError> {
    let body = serde_json::to_vec(&FileFormat {
        version: FORMAT_VERSION,
        checkouts: entries.values().cloned().collect(),
    })
    .map_err(|e| storage("cannot encode the store", e))?;
    let tmp = dir.join(format!("{FILE_NAME}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new().write(true).create(true).truncate(true).open(&tmp)?;
        f.write_all(&body)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, dir.join(FILE_NAME))
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(storage("cannot write the store", e));
    }
    sync_dir(dir)
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
        // Make the temp-file path a directory so the write fails, like a full disk would.
        fs::create_dir_all(d.join(format!("{FILE_NAME}.tmp-{}", std::process::id()))).expect("block");
        let err = s.save(sample("cs_2")).expect_err("write fails");
        assert!(matches!(err, CheckoutError::Storage { .. }));
        assert_eq!(s.load_all().expect("load"), vec![sample("cs_1")]);
        let reopened = FileStore::open(d.display().to_string()).expect("reopen");
        assert_eq!(reopened.load_all().expect("load"), vec![sample("cs_1")]);
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
