//! The demonstration store: a whole, realistic payroll installation made up from a
//! seed, for training, screenshots, support and performance work.
//!
//! [`build_demo`] is a job (see [`crate::jobs`]): it holds the demo lock, reports
//! progress, checks its cancel flag every few thousand rows, and builds the new
//! store in a temporary file beside the target, which it renames into place only
//! once complete. An existing file is never touched unless the caller asked to
//! replace it, and then only once the new store is whole.
//!
//! The payroll data is a pure function of the seed and of the number of payslips
//! asked for: the same options give the same rows on every machine (a small
//! splitmix64 generator drives every choice, and "today" is fixed at the pay
//! period [`LAST_PERIOD`]). Only the creation stamp that every new store carries in
//! its `meta` table tells two builds apart.

use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Statement, Transaction, params};

use crate::fsutil;
use crate::home::Home;
use crate::identifiers::{luhn_check_digit, nir_key};
use crate::jobs::{Cancel, JobError, JobKind, JobLock, Phase, Progress};
use crate::store::{APPLICATION_ID, Store, StoreError};

/// The password of every account of the demo store (documented in the user guide:
/// the demo store is for training, never for real payroll).
pub const DEMO_PASSWORD: &str = "demo";

/// The first pay period of the demo data.
pub const FIRST_PERIOD: &str = "2022-01";

/// The last pay period of the demo data: the demo's fixed "today" is the end of
/// this month, whose declarations are still to be filed.
pub const LAST_PERIOD: &str = "2026-10";

/// Payslips between two progress reports and cancel checks.
const PROGRESS_STEP: u64 = 4096;

/// Whether foreign keys are enforced while loading. Measured on 1 000 000 payslips:
/// enforcing them costs nothing measurable next to the index updates (5.3 s either
/// way), and it spares the final `foreign_key_check` (0.3 s), so the load checks
/// them row by row.
const FOREIGN_KEYS_DURING_LOAD: bool = true;

/// Whether the store's triggers run while loading. Measured on 1 000 000
/// payslips (2 cores, loaded machine): 4.5 s of CPU without them, 8.6 s with the
/// closed-exercise checks of migration 0003, which no demo row can trip.
const TRIGGERS_DURING_LOAD: bool = false;

/// What to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoOptions {
    /// Exact number of payslips in the store.
    pub payslips: u64,
    /// Seed of the generator: the same seed gives the same store.
    pub seed: u64,
    /// Replace an existing store at the target path (only once the new one is whole).
    pub overwrite: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            payslips: 20_000,
            seed: 1,
            overwrite: false,
        }
    }
}

/// What was built, counted in the store after it was put in place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoReport {
    /// The store.
    pub path: PathBuf,
    /// Dossiers.
    pub dossiers: u64,
    /// Employers (associations).
    pub employers: u64,
    /// Employees.
    pub employees: u64,
    /// Employment contracts.
    pub contracts: u64,
    /// Payslips (exactly as many as asked).
    pub payslips: u64,
    /// Monthly declarations (DSN).
    pub declarations: u64,
    /// User accounts.
    pub users: u64,
    /// Workstations.
    pub workstations: u64,
    /// Time taken, lock to verification.
    pub elapsed: Duration,
}

/// Why the demo store could not be built. In every case an existing store at the
/// target path is left as it was.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file is already at the target path and replacing it was not asked.
    #[error("a file already exists at {path}")]
    Exists {
        /// The target path.
        path: PathBuf,
    },
    /// Replacing was asked, but the file there is not an Impact emploi store
    /// (a document saved at the wrong place, say), so it is kept.
    #[error("refusing to replace {path}: not an Impact emploi store")]
    NotAStore {
        /// The target path.
        path: PathBuf,
    },
    /// Replacing was asked, but another program has the store open.
    #[error("store in use by another program: {path}")]
    StoreInUse {
        /// The target path.
        path: PathBuf,
    },
    /// The folder of the target could not be created.
    #[error("cannot create folder {path}: {source}")]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// Writing or reading the store failed (disk full, permissions, `SQLite`…).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job was refused (another demo is being built) or cancelled.
    #[error(transparent)]
    Job(#[from] JobError),
    /// A file operation failed.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The system error.
        source: std::io::Error,
    },
    /// Hashing the demo accounts' password failed.
    #[error("password hashing failed: {detail}")]
    PasswordHash {
        /// What the hasher reported (never the password).
        detail: String,
    },
    /// The built store failed its final checks (a bug of the generator).
    #[error("the demo store failed its checks: {detail}")]
    Verification {
        /// The store.
        path: PathBuf,
        /// What did not match.
        detail: String,
    },
}

/// Builds the demo store at `store_path` (normally `home.default_store_path()`).
///
/// Refused with [`JobError::AlreadyRunning`] while another demo is being built in
/// the same `IEA_HOME`. The parent folder is created when missing. An existing
/// file is refused ([`DemoError::Exists`]) unless `opts.overwrite`; then it is
/// replaced only once the new store is complete, and only if it is an Impact
/// emploi store that no other program has open. On cancel or failure the
/// temporary file is removed and the target is untouched.
pub fn build_demo(
    home: &Home,
    store_path: &Path,
    opts: &DemoOptions,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<DemoReport, DemoError> {
    build_demo_at_schema(
        home,
        store_path,
        opts,
        crate::store::SCHEMA_VERSION,
        progress,
        cancel,
    )
}

/// As [`build_demo`], the store being as a program of schema `schema` made it:
/// an older store, for the database update's tests and benchmark. Its
/// employers carry the skills operators' names of before the OPCO
/// correspondence (schema 6), as the stores of that time do.
pub fn build_demo_at_schema(
    home: &Home,
    store_path: &Path,
    opts: &DemoOptions,
    schema: u32,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<DemoReport, DemoError> {
    let started = Instant::now();
    let _lock = JobLock::acquire(home, JobKind::Demo)?;
    let folder = fsutil::parent_dir(store_path);
    std::fs::create_dir_all(folder).map_err(|source| DemoError::CreateFolder {
        path: folder.to_path_buf(),
        source,
    })?;
    check_target(store_path, opts.overwrite)?;
    let name = store_path.file_name().ok_or_else(|| DemoError::Io {
        path: store_path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name"),
    })?;
    let mut tmp_name = OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(".demo-tmp");
    // We hold the demo lock: a temporary file left there is a crashed build's.
    let tmp = TempStore::new(folder.join(tmp_name));
    tmp.remove_all();
    cancel.check()?;

    let expected = generate(tmp.path(), store_path, opts, schema, progress, cancel)?;
    cancel.check()?;
    progress.phase(Phase::DemoSetup, 0);
    std::fs::File::open(tmp.path())
        .and_then(|f| f.sync_all())
        .map_err(|source| DemoError::Io {
            path: tmp.path().to_path_buf(),
            source,
        })?;
    install(tmp.path(), store_path, opts.overwrite)?;
    tmp.disarm();

    progress.phase(Phase::DemoVerify, 0);
    let store = if schema == crate::store::SCHEMA_VERSION {
        Store::open(store_path)?
    } else {
        Store::open_read_only(store_path)?
    };
    let found = Counts::read(&store)?;
    if found != expected {
        return Err(DemoError::Verification {
            path: store_path.to_path_buf(),
            detail: format!("expected {expected:?}, found {found:?}"),
        });
    }
    let elapsed = started.elapsed();
    tracing::info!(
        path = %store_path.display(),
        payslips = found.payslips,
        seed = opts.seed,
        elapsed_ms = elapsed.as_millis() as u64,
        "base de démonstration créée"
    );
    Ok(DemoReport {
        path: store_path.to_path_buf(),
        dossiers: found.dossiers,
        employers: found.employers,
        employees: found.employees,
        contracts: found.contracts,
        payslips: found.payslips,
        declarations: found.declarations,
        users: found.users,
        workstations: found.workstations,
        elapsed,
    })
}

/// Row counts of the tables the report gives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Counts {
    dossiers: u64,
    employers: u64,
    employees: u64,
    contracts: u64,
    payslips: u64,
    declarations: u64,
    users: u64,
    workstations: u64,
}

impl Counts {
    fn read(store: &Store) -> Result<Self, StoreError> {
        let count = |table: &str| -> Result<u64, StoreError> {
            store
                .connection()
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| {
                    r.get::<_, i64>(0)
                })
                .map(|n| n as u64)
                .map_err(|e| store.err(e))
        };
        Ok(Self {
            dossiers: count("dossiers")?,
            employers: count("employers")?,
            employees: count("employees")?,
            contracts: count("contracts")?,
            payslips: count("payslips")?,
            declarations: count("declarations")?,
            users: count("users")?,
            workstations: count("workstations")?,
        })
    }
}

/// Refuses a target that may not be written: a folder, any file when replacing
/// was not asked, and anything but one of our stores (or an empty file) when it was.
fn check_target(path: &Path, overwrite: bool) -> Result<(), DemoError> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(DemoError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    if meta.is_dir() {
        return Err(StoreError::NotAFile {
            path: path.to_path_buf(),
        }
        .into());
    }
    if !overwrite {
        return Err(DemoError::Exists {
            path: path.to_path_buf(),
        });
    }
    if meta.len() == 0 || is_our_store(path)? {
        Ok(())
    } else {
        Err(DemoError::NotAStore {
            path: path.to_path_buf(),
        })
    }
}

/// Reads the `SQLite` header itself (no connection, so no journal is touched):
/// the magic string, then the application id at offset 68, big-endian.
fn is_our_store(path: &Path) -> Result<bool, DemoError> {
    let mut header = [0_u8; 72];
    let io = |source| DemoError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    match file.read_exact(&mut header) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(false),
        Err(e) => return Err(io(e)),
    }
    let app_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    Ok(header.starts_with(b"SQLite format 3\0") && app_id == APPLICATION_ID)
}

/// The path of one of the side files of `db` (`-wal`, `-shm`, `-journal`).
fn side_file(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

const SIDE_SUFFIXES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Puts the complete temporary store at `target`.
fn install(tmp: &Path, target: &Path, overwrite: bool) -> Result<(), DemoError> {
    use std::io::ErrorKind;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DemoError::Io { path, source }
    };
    // The target may have changed while the store was being built.
    check_target(target, overwrite)?;
    // No program may have the old store open while its file is replaced (see
    // `store::gate`): one that does makes the store "in use".
    let _closed = if target.exists() {
        let closed =
            crate::store::gate::close_within(target, Duration::from_secs(2)).map_err(|_| {
                DemoError::StoreInUse {
                    path: target.to_path_buf(),
                }
            })?;
        quiesce_old_store(target)?;
        closed
    } else {
        None
    };
    // Side files next to the target belong to the old store (or to one deleted by
    // hand): SQLite would replay an old WAL or journal into the new file.
    for suffix in SIDE_SUFFIXES {
        let side = side_file(target, suffix);
        match std::fs::remove_file(&side) {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(source) => return Err(io(&side)(source)),
        }
    }
    if overwrite {
        return fsutil::rename_durable(tmp, target).map_err(io(target));
    }
    // A link fails if a file appeared meanwhile, where a rename would replace it.
    match std::fs::hard_link(tmp, target) {
        Ok(()) => {
            std::fs::remove_file(tmp).map_err(io(tmp))?;
            fsutil::sync_dir(fsutil::parent_dir(target)).map_err(io(target))
        }
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Err(DemoError::Exists {
            path: target.to_path_buf(),
        }),
        // File systems without hard links (FAT keys, some shares): a rename after
        // a last look is the best they allow.
        Err(e)
            if matches!(
                e.kind(),
                ErrorKind::Unsupported | ErrorKind::PermissionDenied
            ) && !target.exists() =>
        {
            fsutil::rename_durable(tmp, target).map_err(io(target))
        }
        Err(source) => Err(io(target)(source)),
    }
}

/// Makes the old store self-contained before it is replaced: leaving WAL mode
/// checkpoints and deletes its WAL, and `SQLite` refuses it while another
/// connection has the store open — which is how we tell it is in use. A store
/// `SQLite` cannot read at all has nothing to preserve and is replaced as is.
fn quiesce_old_store(target: &Path) -> Result<(), DemoError> {
    let Ok(conn) = Connection::open_with_flags(
        target,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) else {
        return Ok(());
    };
    conn.busy_timeout(Duration::from_secs(2))
        .map_err(|e| StoreError::from_sqlite(target, e))?;
    match conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    }) {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => Ok(()),
        Ok(_) => Err(DemoError::StoreInUse {
            path: target.to_path_buf(),
        }),
        Err(e) => match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Err(DemoError::StoreInUse {
                    path: target.to_path_buf(),
                })
            }
            _ => Ok(()),
        },
    }
}

/// The temporary store being built, removed with its side files unless disarmed.
struct TempStore {
    path: PathBuf,
    armed: std::cell::Cell<bool>,
}

impl TempStore {
    fn new(path: PathBuf) -> Self {
        Self {
            path,
            armed: std::cell::Cell::new(true),
        }
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn remove_all(&self) {
        let _ = std::fs::remove_file(&self.path);
        for suffix in SIDE_SUFFIXES {
            let _ = std::fs::remove_file(side_file(&self.path, suffix));
        }
    }

    /// The file is in place: nothing to remove any more.
    fn disarm(&self) {
        self.armed.set(false);
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        if self.armed.get() {
            self.remove_all();
        }
    }
}

/// Builds the whole store in `tmp` and closes it; returns what it inserted.
fn generate(
    tmp: &Path,
    store_path: &Path,
    opts: &DemoOptions,
    schema: u32,
    progress: &dyn Progress,
    cancel: &Cancel,
) -> Result<Counts, DemoError> {
    let sq = |e: rusqlite::Error| DemoError::Store(StoreError::from_sqlite(store_path, e));
    progress.phase(Phase::DemoPreparation, 0);
    let accounts = demo_accounts(opts.seed)?;
    cancel.check()?;
    let mut conn = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sq)?;
    // A throw-away file until it is renamed: no durability needed while loading.
    conn.execute_batch(
        "PRAGMA locking_mode = EXCLUSIVE;
         PRAGMA journal_mode = MEMORY;
         PRAGMA synchronous = OFF;
         PRAGMA temp_store = MEMORY;
         PRAGMA cache_size = -262144;",
    )
    .map_err(sq)?;
    crate::store::init_at(&mut conn, schema).map_err(sq)?;
    conn.pragma_update(None, "foreign_keys", FOREIGN_KEYS_DURING_LOAD)
        .map_err(sq)?;
    // The closed-exercise triggers (migration 0003) cost about 4 µs a row, as
    // much as the rest of a payslip's insert; every demo exercise is open, so
    // they could never fire here. Off for this private connection only: every
    // other connection to the store keeps them.
    conn.set_db_config(
        DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER,
        TRIGGERS_DURING_LOAD,
    )
    .map_err(sq)?;

    let tx = conn.transaction().map_err(sq)?;
    let counts = {
        let mut loader = Loader::new(&tx, opts, progress, cancel).map_err(sq)?;
        loader.schema = schema;
        loader.load_payroll(store_path)?;
        loader.load_installation(&accounts).map_err(sq)?;
        loader.counts
    };
    tx.commit().map_err(sq)?;

    progress.phase(Phase::DemoCheck, 0);
    // With the keys enforced row by row, no row can break one; otherwise check all.
    if !FOREIGN_KEYS_DURING_LOAD {
        let orphans: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(sq)?;
        if orphans != 0 {
            return Err(DemoError::Verification {
                path: store_path.to_path_buf(),
                detail: format!("{orphans} rows break a foreign key"),
            });
        }
    }
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA analysis_limit = 1000;
         PRAGMA optimize = 0x10002;",
    )
    .map_err(sq)?;
    conn.close().map_err(|(_, e)| sq(e))?;
    Ok(counts)
}

/// The three demo accounts: login, display name, role, creation date, argon2 hash.
struct Account {
    login: &'static str,
    display_name: &'static str,
    role: &'static str,
    created_at: &'static str,
    password_hash: String,
}

/// Hashes [`DEMO_PASSWORD`] for each account, with salts drawn from the seed so
/// that the store stays a function of the seed.
fn demo_accounts(seed: u64) -> Result<Vec<Account>, DemoError> {
    const ACCOUNTS: [(&str, &str, &str, &str); 3] = [
        (
            "Administrateur",
            "Administrateur",
            "administrateur",
            "2021-11-08T09:00:00+01:00",
        ),
        (
            "Dupont",
            "Claire Dupont",
            "gestionnaire",
            "2021-11-08T09:12:00+01:00",
        ),
        (
            "Martin",
            "Julien Martin",
            "gestionnaire",
            "2023-03-01T14:30:00+01:00",
        ),
    ];
    let mut rng = Rng::new(seed ^ 0xA5A5_0000_5A5A_0001);
    let hasher = argon2::Argon2::default();
    ACCOUNTS
        .iter()
        .map(|&(login, display_name, role, created_at)| {
            let mut salt = [0_u8; 16];
            salt[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
            salt[8..].copy_from_slice(&rng.next_u64().to_le_bytes());
            let detail = |e: argon2::password_hash::Error| DemoError::PasswordHash {
                detail: e.to_string(),
            };
            let salt = SaltString::encode_b64(&salt).map_err(detail)?;
            let password_hash = hasher
                .hash_password(DEMO_PASSWORD.as_bytes(), &salt)
                .map_err(detail)?
                .to_string();
            Ok(Account {
                login,
                display_name,
                role,
                created_at,
                password_hash,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Calendar: months as `year * 12 + month - 1`.

type Month = u32;

const fn ym(year: u32, month: u32) -> Month {
    year * 12 + month - 1
}

const FIRST: Month = ym(2022, 1);
const LAST: Month = ym(2026, 10);
const MONTHS: usize = (LAST - FIRST + 1) as usize;
/// The demo's "today" (the reference for archiving and exercises).
const CURRENT_YEAR: u32 = 2026;

fn year_of(m: Month) -> u32 {
    m / 12
}

fn month_of(m: Month) -> u32 {
    m % 12 + 1
}

fn period(m: Month) -> String {
    format!("{:04}-{:02}", year_of(m), month_of(m))
}

fn date(m: Month, day: u32) -> String {
    format!("{:04}-{:02}-{day:02}", year_of(m), month_of(m))
}

fn last_day(m: Month) -> u32 {
    let year = year_of(m);
    match month_of(m) {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn end_of(m: Month) -> String {
    date(m, last_day(m))
}

/// Hourly minimum wage (SMIC) in cents, by the month it took effect.
const SMIC_CENTS: [(Month, u64); 8] = [
    (ym(2022, 1), 1057),
    (ym(2022, 5), 1085),
    (ym(2022, 8), 1107),
    (ym(2023, 1), 1127),
    (ym(2023, 5), 1152),
    (ym(2024, 1), 1165),
    (ym(2024, 11), 1188),
    (ym(2026, 1), 1202),
];

fn smic_cents(m: Month) -> u64 {
    SMIC_CENTS
        .iter()
        .rev()
        .find(|(from, _)| *from <= m)
        .map_or(SMIC_CENTS[0].1, |&(_, cents)| cents)
}

// ---------------------------------------------------------------------------
// The generator.

/// splitmix64: tiny, fast, and good enough to make up payroll. Fixed here so the
/// demo never changes with a dependency's version.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed ^ 0x6A09_E667_F3BC_C909)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, items: &[(T, u64)]) -> T {
        let total: u64 = items.iter().map(|&(_, w)| w).sum();
        let mut x = self.below(total);
        for &(item, w) in items {
            if x < w {
                return item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }
}

/// A dossier of the demo installation.
struct DossierDef {
    name: &'static str,
    state: &'static str,
    archived: bool,
    created_at: &'static str,
    first: Month,
    last: Month,
    /// Share of the employers, per thousand (the first dossier takes the rest).
    share_permille: u64,
}

const DOSSIERS: [DossierDef; 4] = [
    DossierDef {
        name: "Association Les Amis du Théâtre",
        state: "production",
        archived: false,
        created_at: "2021-11-08",
        first: FIRST,
        last: LAST,
        share_permille: 0,
    },
    DossierDef {
        name: "Centre social Les Tilleuls",
        state: "production",
        archived: false,
        created_at: "2021-12-01",
        first: FIRST,
        last: LAST,
        share_permille: 120,
    },
    DossierDef {
        name: "Formation 2026 (essai)",
        state: "simulation",
        archived: false,
        created_at: "2026-01-12",
        first: ym(2026, 1),
        last: LAST,
        share_permille: 30,
    },
    DossierDef {
        name: "Comité des fêtes de Saint-Aubin (clos)",
        state: "production",
        archived: true,
        created_at: "2018-03-19",
        first: FIRST,
        last: ym(2023, 12),
        share_permille: 70,
    },
];

/// Collective agreements (IDCC) and their skills operator (OPCO); 9999: none.
const CCNS: [(&str, Option<&str>); 6] = [
    ("1518", Some("OPCO Cohésion sociale")),
    ("2511", Some("AFDAS")),
    ("1261", Some("OPCO Cohésion sociale")),
    ("0413", Some("OPCO Santé")),
    ("2941", Some("OPCO Cohésion sociale")),
    ("9999", None),
];

/// The collectors (OPCA) of the same agreements before 1 April 2019, as stores
/// of that time name them (same order as [`CCNS`]).
const OPCA_BEFORE_2019: [Option<&str>; 6] = [
    Some("Uniformation"),
    Some("AGEFOS PME"),
    Some("Uniformation"),
    Some("Unifaf"),
    Some("Uniformation"),
    None,
];

/// Kinds of associations: name template (`{de}` = "de Sens", "d'Auxerre"…),
/// index in [`CCNS`], AT/MP risk code, weight.
const ASSOCIATION_KINDS: [(&str, usize, &str, u64); 17] = [
    ("Maison des jeunes et de la culture {de}", 0, "913AC", 8),
    ("Foyer rural {de}", 0, "913AC", 8),
    ("École de musique {de}", 0, "913AC", 6),
    ("Centre de loisirs {de}", 0, "913AC", 6),
    ("Association sportive {de}", 1, "926CG", 12),
    ("Club de football {de}", 1, "926CG", 6),
    ("Tennis club {de}", 1, "926CG", 4),
    ("Centre social {de}", 2, "853AB", 6),
    ("Crèche associative {de}", 2, "853AB", 5),
    ("Institut médico-éducatif {de}", 3, "853AB", 3),
    ("Foyer d'hébergement {de}", 3, "853AB", 2),
    ("Aide à domicile en milieu rural {de}", 4, "853AB", 5),
    ("Service de soins et d'aide à domicile {de}", 4, "853AB", 3),
    ("Comité des fêtes {de}", 5, "913AC", 5),
    ("Compagnie théâtrale {de}", 5, "913AC", 4),
    ("Amicale laïque {de}", 5, "913AC", 4),
    ("Union sportive {de}", 1, "926CG", 4),
];

#[rustfmt::skip]
const TOWNS: [&str; 100] = [
    "Auxerre", "Sens", "Joigny", "Avallon", "Tonnerre", "Vézelay", "Chablis", "Migennes",
    "Saint-Florentin", "Toucy", "Dijon", "Beaune", "Nevers", "Mâcon", "Chalon-sur-Saône",
    "Autun", "Le Creusot", "Montbard", "Semur-en-Auxois", "Clamecy", "Orléans", "Tours",
    "Blois", "Bourges", "Vierzon", "Châteauroux", "Chartres", "Dreux", "Montargis", "Gien",
    "Pithiviers", "Amboise", "Chinon", "Loches", "Vendôme", "Issoudun", "Le Blanc", "Limoges",
    "Tulle", "Guéret", "Aubusson", "Périgueux", "Bergerac", "Angoulême", "Cognac", "Niort",
    "Poitiers", "Châtellerault", "La Rochelle", "Rochefort", "Saintes", "Royan", "Nantes",
    "Angers", "Saumur", "Cholet", "Laval", "Le Mans", "La Flèche", "Rennes", "Vitré",
    "Fougères", "Quimper", "Brest", "Morlaix", "Lorient", "Vannes", "Saint-Brieuc", "Lannion",
    "Caen", "Bayeux", "Lisieux", "Alençon", "Argentan", "Évreux", "Vernon", "Rouen", "Dieppe",
    "Le Havre", "Fécamp", "Amiens", "Abbeville", "Beauvais", "Compiègne", "Soissons", "Laon",
    "Arras", "Béthune", "Annecy", "Chambéry", "Albertville", "Grenoble", "Valence",
    "Montélimar", "Privas", "Aubenas", "Le Puy-en-Velay", "Ajaccio", "Bastia",
    "Les Sables-d'Olonne",
];

#[rustfmt::skip]
const MALE_FIRST_NAMES: [&str; 40] = [
    "Jean", "Pierre", "Michel", "André", "Philippe", "Alain", "Nicolas", "Julien", "Thomas",
    "Antoine", "Lucas", "Hugo", "Mathieu", "Sébastien", "Laurent", "Christophe", "Olivier",
    "Éric", "David", "Romain", "Maxime", "Kévin", "Yannick", "Karim", "Mehdi", "Théo", "Louis",
    "Gabriel", "Arthur", "Raphaël", "Bernard", "Patrick", "François", "Stéphane", "Jérôme",
    "Vincent", "Guillaume", "Benoît", "Damien", "Fabrice",
];

#[rustfmt::skip]
const FEMALE_FIRST_NAMES: [&str; 40] = [
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Françoise", "Christine",
    "Sandrine", "Céline", "Julie", "Camille", "Léa", "Manon", "Chloé", "Emma", "Inès", "Sarah",
    "Laura", "Pauline", "Émilie", "Aurélie", "Caroline", "Valérie", "Stéphanie", "Nadia",
    "Fatima", "Océane", "Clara", "Jade", "Louise", "Anne", "Martine", "Monique", "Brigitte",
    "Hélène", "Audrey", "Élodie", "Mélanie", "Justine", "Margaux",
];

#[rustfmt::skip]
const LAST_NAMES: [&str; 100] = [
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefebvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Lefèvre", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier",
    "Chevalier", "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément",
    "Morin", "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval",
    "Denis", "Dumont", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
    "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez",
    "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron",
    "Picard", "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier",
    "Bourgeois", "Pierre", "Rey", "Leclerc", "Payet", "Rolland", "Lecomte", "Haddad", "Benali",
    "Nguyen", "Le Gall", "Le Goff",
];

/// "de Sens", "d'Auxerre", "du Mans", "des Sables-d'Olonne".
fn of_town(town: &str) -> String {
    if let Some(rest) = town.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = town.strip_prefix("Les ") {
        format!("des {rest}")
    } else if town.starts_with(['A', 'E', 'I', 'O', 'U', 'É', 'Â', 'Î']) {
        format!("d'{town}")
    } else {
        format!("de {town}")
    }
}

/// Kinds of employment contracts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ContractKind {
    Cdi,
    Cdd,
    Cui,
    Apprentissage,
    Cee,
}

impl ContractKind {
    fn as_sql(self) -> &'static str {
        match self {
            Self::Cdi => "CDI",
            Self::Cdd => "CDD",
            Self::Cui => "CUI",
            Self::Apprentissage => "apprentissage",
            Self::Cee => "CEE",
        }
    }

    /// How the kinds are spread in each collective agreement (index in [`CCNS`]).
    fn mix(ccn: usize) -> &'static [(Self, u64)] {
        use ContractKind::{Apprentissage, Cdd, Cdi, Cee, Cui};
        match ccn {
            0 => &[
                (Cdi, 35),
                (Cdd, 30),
                (Cee, 25),
                (Cui, 5),
                (Apprentissage, 5),
            ],
            1 => &[(Cdi, 45), (Cdd, 35), (Apprentissage, 8), (Cui, 7), (Cee, 5)],
            2 => &[(Cdi, 50), (Cdd, 35), (Cui, 8), (Apprentissage, 7)],
            3 => &[(Cdi, 60), (Cdd, 35), (Apprentissage, 5)],
            4 => &[(Cdi, 55), (Cdd, 40), (Cui, 5)],
            _ => &[(Cdi, 30), (Cdd, 50), (Cee, 10), (Cui, 10)],
        }
    }
}

/// An employer being generated.
struct EmployerPlan {
    id: i64,
    dossier: usize,
    ccn: usize,
    /// First and last month with payroll.
    window: (Month, Month),
    exited: bool,
    archived: bool,
    budget: u64,
}

/// A contract of a career being generated.
struct ContractPlan {
    kind: ContractKind,
    start_date: String,
    end_date: Option<String>,
    /// Day of the month it starts in its first paid month (1 when not prorated).
    start_day: u32,
    first_pay: Month,
    last_pay: Month,
    weekly_hours_centi: u64,
    /// Hourly pay as a multiple of the SMIC, per thousand.
    pay_permille: u64,
    worker_bp: u64,
    employer_bp: u64,
}

/// The prepared statements of the load, and the generator's state.
struct Loader<'t> {
    rng: Rng,
    opts: DemoOptions,
    /// The store's schema: the employers' OPCO names follow it.
    schema: u32,
    progress: &'t dyn Progress,
    cancel: &'t Cancel,
    counts: Counts,
    /// Ids of the last rows inserted, per table.
    next_employee: i64,
    next_contract: i64,
    next_payslip: i64,
    next_declaration: i64,
    sirens: HashSet<u64>,
    nirs: HashSet<String>,
    names: HashMap<String, u32>,
    periods: Vec<String>,
    tx: &'t Transaction<'t>,
    employer: Statement<'t>,
    risk: Statement<'t>,
    employee: Statement<'t>,
    contract: Statement<'t>,
    payslip: Statement<'t>,
    declaration: Statement<'t>,
}

impl<'t> Loader<'t> {
    fn new(
        tx: &'t Transaction<'t>,
        opts: &DemoOptions,
        progress: &'t dyn Progress,
        cancel: &'t Cancel,
    ) -> rusqlite::Result<Self> {
        Ok(Self {
            rng: Rng::new(opts.seed),
            opts: *opts,
            schema: crate::store::SCHEMA_VERSION,
            progress,
            cancel,
            counts: Counts::default(),
            next_employee: 1,
            next_contract: 1,
            next_payslip: 1,
            next_declaration: 1,
            sirens: HashSet::new(),
            nirs: HashSet::new(),
            names: HashMap::new(),
            periods: (FIRST..=LAST).map(period).collect(),
            tx,
            employer: tx.prepare(
                "INSERT INTO employers (id, dossier_id, siret, name, ccn_code, opco, exit_date, archived)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?,
            risk: tx.prepare(
                "INSERT INTO employer_risks (employer_id, risk_code, rate_bp, valid_from, valid_to)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?,
            employee: tx.prepare(
                "INSERT INTO employees (id, employer_id, nir, last_name, first_name, birth_date, archived)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            contract: tx.prepare(
                "INSERT INTO contracts (id, employer_id, employee_id, kind, start_date, end_date, weekly_hours_centi)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?,
            payslip: tx.prepare(
                "INSERT INTO payslips (id, employer_id, employee_id, contract_id, period, gross_cents,
                     employee_contrib_cents, employer_contrib_cents, net_cents, pas_cents, hours_centi)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?,
            declaration: tx.prepare(
                "INSERT INTO declarations (id, employer_id, period, status, deposited_at, total_cents)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?,
        })
    }

    /// Dossiers, employers and everything below them.
    fn load_payroll(&mut self, store_path: &Path) -> Result<(), DemoError> {
        let sq = |e: rusqlite::Error| DemoError::Store(StoreError::from_sqlite(store_path, e));
        for (i, d) in DOSSIERS.iter().enumerate() {
            self.tx
                .execute(
                    "INSERT INTO dossiers (id, name, state, archived, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![i as i64 + 1, d.name, d.state, d.archived, d.created_at],
                )
                .map_err(sq)?;
            self.counts.dossiers += 1;
            for year in year_of(d.first)..=year_of(d.last) {
                // Every exercise is open: the rows of a closed year live in the
                // closed tables (migration 0003), and the demo's payslips are all
                // in `payslips`, ready for a closing. The draws that used to date
                // the past years' closings are kept, so that a seed still gives
                // the same payroll as before.
                if year < CURRENT_YEAR {
                    let _ = (
                        self.rng.between(12, 28),
                        self.rng.between(9, 17),
                        self.rng.below(60),
                    );
                }
                self.tx
                    .execute(
                        "INSERT INTO exercises (dossier_id, year, state) VALUES (?1, ?2, 'ouvert')",
                        params![i as i64 + 1, year],
                    )
                    .map_err(sq)?;
            }
        }
        let plans = self.plan_employers();
        self.progress.phase(Phase::DemoPayslips, self.opts.payslips);
        for plan in &plans {
            self.load_employer(plan).map_err(|e| match e {
                LoadError::Sqlite(e) => sq(e),
                LoadError::Job(e) => DemoError::Job(e),
            })?;
        }
        self.progress.advance(self.counts.payslips);
        Ok(())
    }

    /// Spreads employers over the dossiers and the payslips over the employers,
    /// in proportion to their size and to how long they are in the scheme.
    fn plan_employers(&mut self) -> Vec<EmployerPlan> {
        let total = (self.opts.payslips.div_ceil(180)).max(12);
        let mut per_dossier: Vec<u64> = DOSSIERS
            .iter()
            .map(|d| (total * d.share_permille / 1000).max(1))
            .collect();
        per_dossier[0] = total - per_dossier[1..].iter().sum::<u64>();

        let mut plans = Vec::with_capacity(total as usize);
        let mut weights = Vec::with_capacity(total as usize);
        let mut id = 0;
        for (dossier, d) in DOSSIERS.iter().enumerate() {
            for j in 0..per_dossier[dossier] {
                id += 1;
                // The first employers of the main dossier show every agreement.
                let ccn = if dossier == 0 && (j as usize) < CCNS.len() {
                    j as usize
                } else {
                    usize::MAX
                };
                let join = if d.archived || self.rng.chance(65) {
                    d.first
                } else {
                    d.first
                        + self
                            .rng
                            .below(u64::from(d.last - d.first).saturating_sub(5))
                            as Month
                };
                let exit = if d.archived {
                    Some(d.last - self.rng.below(10) as Month)
                } else if d.last - join > 12 && self.rng.chance(15) {
                    Some(join + 6 + self.rng.below(u64::from(d.last - join - 7)) as Month)
                } else {
                    None
                };
                let window = (join, exit.unwrap_or(d.last));
                let archived = d.archived || exit.is_some_and(|m| year_of(m) < CURRENT_YEAR);
                let size = self.rng.weighted(&[(2, 55), (5, 30), (12, 12), (30, 3)]);
                weights.push(size * u64::from(window.1 - window.0 + 1));
                plans.push(EmployerPlan {
                    id,
                    dossier,
                    ccn,
                    window,
                    exited: exit.is_some(),
                    archived,
                    budget: 0,
                });
            }
        }
        // Payslips in proportion to the weights, the rounding spread over the
        // first employers so that the total is exact.
        let weight_sum: u64 = weights.iter().sum();
        let n = u128::from(self.opts.payslips);
        let mut given = 0;
        for (plan, &w) in plans.iter_mut().zip(&weights) {
            plan.budget = (n * u128::from(w) / u128::from(weight_sum)) as u64;
            given += plan.budget;
        }
        let short = self.opts.payslips - given;
        for plan in plans.iter_mut().take(short as usize) {
            plan.budget += 1;
        }
        plans
    }

    fn load_employer(&mut self, plan: &EmployerPlan) -> Result<(), LoadError> {
        let (kind_template, kind_ccn, risk_code) = {
            let kinds: Vec<(usize, u64)> = ASSOCIATION_KINDS
                .iter()
                .enumerate()
                .filter(|(_, k)| plan.ccn == usize::MAX || k.1 == plan.ccn)
                .map(|(i, k)| (i, k.3))
                .collect();
            let k = &ASSOCIATION_KINDS[self.rng.weighted(&kinds)];
            (k.0, k.1, k.2)
        };
        let town = *self.rng.pick(&TOWNS);
        let base = kind_template.replace("{de}", &of_town(town));
        let seen = self.names.entry(base.clone()).or_insert(0);
        *seen += 1;
        let name = if *seen == 1 {
            base
        } else {
            format!("{base} (antenne {seen})")
        };
        let siret = self.new_siret();
        let (ccn_code, opco) = CCNS[kind_ccn];
        // Stores made before the OPCO correspondence carry the names of the
        // former collectors (OPCA) and no mention for the absence of agreement.
        let opco = if self.schema < crate::updates::database::OPCO_SCHEMA {
            OPCA_BEFORE_2019[kind_ccn]
        } else if ccn_code == "9999" {
            Some("caisse non répertoriée")
        } else {
            opco
        };
        let exit_date = plan.exited.then(|| end_of(plan.window.1));
        self.employer.execute(params![
            plan.id,
            plan.dossier as i64 + 1,
            siret,
            name,
            ccn_code,
            opco,
            exit_date,
            plan.archived
        ])?;
        self.counts.employers += 1;
        self.load_risks(plan, risk_code)?;

        let mut totals = [0_u64; MONTHS];
        let mut declared = [false; MONTHS];
        let mut remaining = plan.budget;
        while remaining > 0 {
            let career = self.plan_career(plan, kind_ccn, remaining);
            remaining -= career
                .iter()
                .map(|c| u64::from(c.last_pay - c.first_pay + 1))
                .sum::<u64>();
            self.load_career(plan, &career, &mut totals, &mut declared)?;
        }
        self.load_declarations(plan, &totals, &declared)?;
        Ok(())
    }

    /// AT/MP rates, one row per calendar year (the rate changes every January).
    fn load_risks(&mut self, plan: &EmployerPlan, main_code: &str) -> rusqlite::Result<()> {
        let mut codes = vec![(main_code, self.rng.between(90, 320))];
        if main_code != "913AC" && self.rng.chance(20) {
            // Office staff under the tertiary code.
            codes.push(("913AC", self.rng.between(80, 140)));
        }
        let (from, to) = plan.window;
        for (code, base_bp) in codes {
            for year in year_of(from)..=year_of(to) {
                let valid_from = if year == year_of(from) {
                    date(from, 1)
                } else {
                    format!("{year}-01-01")
                };
                let valid_to = if year < year_of(to) {
                    Some(format!("{year}-12-31"))
                } else if plan.exited {
                    Some(end_of(to))
                } else {
                    None
                };
                let rate = (base_bp + self.rng.below(41)).saturating_sub(20);
                self.risk
                    .execute(params![plan.id, code, rate as i64, valid_from, valid_to])?;
            }
        }
        Ok(())
    }

    /// A new, unique SIRET: a Luhn-valid SIREN, then a NIC making the whole valid.
    fn new_siret(&mut self) -> String {
        loop {
            let first = *self.rng.pick(&[3_u64, 4, 5, 7, 8]);
            let payload = first * 10_000_000 + self.rng.below(10_000_000);
            let payload = format!("{payload:08}");
            let Some(key) = luhn_check_digit(&payload) else {
                continue;
            };
            let siren = format!("{payload}{key}");
            let Ok(siren_num) = siren.parse::<u64>() else {
                continue;
            };
            if siren == crate::identifiers::LA_POSTE_SIREN || !self.sirens.insert(siren_num) {
                continue;
            }
            let nic = format!("{siren}{:04}", self.rng.between(1, 60));
            if let Some(key) = luhn_check_digit(&nic) {
                return format!("{nic}{key}");
            }
        }
    }

    /// One person's contracts with the employer, consecutive, using at most
    /// `budget` payslips (at least one).
    fn plan_career(&mut self, plan: &EmployerPlan, ccn: usize, budget: u64) -> Vec<ContractPlan> {
        let (from, to) = plan.window;
        let existing = from == FIRST && self.rng.chance(35);
        let mut month = if existing {
            FIRST
        } else {
            from + self.rng.below(u64::from(to - from + 1)) as Month
        };
        let mut kind = if existing {
            ContractKind::Cdi
        } else {
            self.rng.weighted(ContractKind::mix(ccn))
        };
        let mut left = budget;
        let mut career = Vec::new();
        loop {
            let (start_date, start_day) = if existing && career.is_empty() {
                // Staff already there when the data begins.
                let m =
                    ym(2008, 1) + self.rng.below(u64::from(ym(2021, 12) - ym(2008, 1))) as Month;
                (date(m, self.rng.between(1, 28) as u32), 1)
            } else {
                let day = if kind == ContractKind::Cdi && self.rng.chance(70) {
                    1
                } else {
                    self.rng.between(1, 28) as u32
                };
                (date(month, day), day)
            };
            let natural_months: Option<u64> = match kind {
                ContractKind::Cdi if self.rng.chance(45) => None,
                ContractKind::Cdi => Some(self.rng.between(6, 54)),
                ContractKind::Cdd => Some(self.rng.between(1, 12)),
                ContractKind::Cui => Some(self.rng.between(6, 24)),
                ContractKind::Apprentissage => Some(self.rng.between(12, 36)),
                ContractKind::Cee => Some(self.rng.between(1, 2)),
            };
            let natural_last = natural_months.map(|n| month + n as Month - 1);
            let budget_last = month + (left.min(u64::from(LAST - FIRST + 1)) as Month) - 1;
            let last_pay = natural_last.unwrap_or(Month::MAX).min(to).min(budget_last);
            let ended_naturally = natural_last == Some(last_pay);
            let end_date = if ended_naturally {
                Some(end_of(last_pay))
            } else if last_pay == LAST {
                // Still running "today": a fixed-term contract ends later, a CDI
                // has no end date.
                natural_last
                    .filter(|_| kind != ContractKind::Cdi)
                    .map(end_of)
            } else {
                // Cut short: the employer left the scheme, or the person left.
                Some(end_of(last_pay))
            };
            let weekly_hours_centi = match kind {
                ContractKind::Cdi => *self
                    .rng
                    .pick(&[3500, 3500, 3500, 3500, 2800, 2400, 1750, 1000, 800, 3000]),
                ContractKind::Cdd => *self.rng.pick(&[3500, 3500, 2000, 1500, 1000, 600, 400]),
                ContractKind::Cui => *self.rng.pick(&[2000, 2600, 3500]),
                ContractKind::Apprentissage => 3500,
                ContractKind::Cee => *self.rng.pick(&[4200, 4800]),
            };
            let pay_permille = match kind {
                ContractKind::Cdi => 1000 + self.rng.below(600).min(self.rng.below(600)),
                ContractKind::Cdd => 1000 + self.rng.below(300),
                ContractKind::Cui => 1000 + self.rng.below(100),
                ContractKind::Apprentissage => self.rng.between(530, 780),
                ContractKind::Cee => self.rng.between(250, 400),
            };
            let (worker_bp, employer_bp) = match kind {
                ContractKind::Apprentissage => {
                    (self.rng.between(200, 400), self.rng.between(1000, 1500))
                }
                ContractKind::Cui => (self.rng.between(2150, 2300), self.rng.between(1500, 2500)),
                ContractKind::Cee => (self.rng.between(2000, 2200), self.rng.between(2800, 3400)),
                _ => (self.rng.between(2150, 2300), self.rng.between(3000, 4000)),
            };
            career.push(ContractPlan {
                kind,
                start_date,
                end_date,
                start_day,
                first_pay: month,
                last_pay,
                weekly_hours_centi,
                pay_permille,
                worker_bp,
                employer_bp,
            });
            left -= u64::from(last_pay - month + 1);
            if left == 0 || last_pay >= to || !ended_naturally || kind == ContractKind::Cdi {
                break;
            }
            // A fixed-term contract may be followed by another one, or by a CDI.
            kind = match self.rng.below(100) {
                0..30 => ContractKind::Cdi,
                30..45 => ContractKind::Cdd,
                _ => break,
            };
            month = last_pay + 1;
        }
        career
    }

    fn load_career(
        &mut self,
        plan: &EmployerPlan,
        career: &[ContractPlan],
        totals: &mut [u64; MONTHS],
        declared: &mut [bool; MONTHS],
    ) -> Result<(), LoadError> {
        let Some(first) = career.first() else {
            return Ok(());
        };
        let last_month = career.last().map_or(first.last_pay, |c| c.last_pay);
        let male = self.rng.chance(50);
        let age = match first.kind {
            ContractKind::Apprentissage => self.rng.between(16, 25),
            ContractKind::Cee => self.rng.between(17, 25),
            _ => self.rng.between(18, 62),
        };
        let birth_year = year_of(first.first_pay) - age as u32;
        let birth_month = self.rng.between(1, 12) as u32;
        let birth_date = format!(
            "{birth_year:04}-{birth_month:02}-{:02}",
            self.rng.between(1, 28)
        );
        let nir = self.new_nir(male, birth_year, birth_month);
        let first_name = if male {
            *self.rng.pick(&MALE_FIRST_NAMES)
        } else {
            *self.rng.pick(&FEMALE_FIRST_NAMES)
        };
        let last_name = *self.rng.pick(&LAST_NAMES);
        let archived = plan.archived || (last_month < ym(2025, 1) && self.rng.chance(60));
        let employee_id = self.next_employee;
        self.next_employee += 1;
        self.employee.execute(params![
            employee_id,
            plan.id,
            nir,
            last_name,
            first_name,
            birth_date,
            archived
        ])?;
        self.counts.employees += 1;

        // Withholding rate of the person (prélèvement à la source), often zero.
        let pas_bp = if self.rng.chance(40) {
            0
        } else {
            self.rng.between(5, 100) * 10
        };
        for c in career {
            let contract_id = self.next_contract;
            self.next_contract += 1;
            self.contract.execute(params![
                contract_id,
                plan.id,
                employee_id,
                c.kind.as_sql(),
                c.start_date,
                c.end_date,
                c.weekly_hours_centi as i64
            ])?;
            self.counts.contracts += 1;
            for m in c.first_pay..=c.last_pay {
                let mut hours = c.weekly_hours_centi * 13 / 3;
                if m == c.first_pay && c.start_day > 1 {
                    hours = hours * u64::from(31 - c.start_day) / 30;
                }
                if self.rng.chance(8) {
                    // Unpaid absence.
                    hours = hours * self.rng.between(60, 95) / 100;
                }
                let rate_cents = smic_cents(m) * c.pay_permille / 1000;
                let mut gross = hours * rate_cents / 100;
                if month_of(m) == 12 && c.kind == ContractKind::Cdi && self.rng.chance(25) {
                    gross += self.rng.between(100, 600) * 100;
                }
                let worker_contrib = gross * c.worker_bp / 10_000;
                let employer_contrib = gross * c.employer_bp / 10_000;
                let net = gross - worker_contrib;
                let pas = net * pas_bp / 10_000;
                let slot = (m - FIRST) as usize;
                totals[slot] += worker_contrib + employer_contrib + pas;
                declared[slot] = true;
                self.payslip.execute(params![
                    self.next_payslip,
                    plan.id,
                    employee_id,
                    contract_id,
                    self.periods[slot],
                    gross as i64,
                    worker_contrib as i64,
                    employer_contrib as i64,
                    net as i64,
                    pas as i64,
                    hours as i64
                ])?;
                self.next_payslip += 1;
                self.counts.payslips += 1;
                if self.counts.payslips.is_multiple_of(PROGRESS_STEP) {
                    self.progress.advance(self.counts.payslips);
                    self.cancel.check()?;
                }
            }
        }
        Ok(())
    }

    /// A new, unique NIR for a person of that sex and birth month.
    fn new_nir(&mut self, male: bool, birth_year: u32, birth_month: u32) -> String {
        loop {
            let place = match self.rng.below(100) {
                0 => format!("2A{:03}", self.rng.between(1, 366)),
                1 => format!("2B{:03}", self.rng.between(1, 366)),
                2..=4 => format!("99{}", self.rng.pick(&["350", "351", "352", "134", "139"])),
                _ => {
                    let mut dept = self.rng.between(1, 94);
                    if dept >= 20 {
                        dept += 1;
                    }
                    format!("{dept:02}{:03}", self.rng.between(1, 700))
                }
            };
            let first13 = format!(
                "{}{:02}{birth_month:02}{place}{:03}",
                if male { 1 } else { 2 },
                birth_year % 100,
                self.rng.between(1, 999)
            );
            let Some(key) = nir_key(&first13) else {
                continue;
            };
            let nir = format!("{first13}{key:02}");
            if self.nirs.insert(nir.clone()) {
                return nir;
            }
        }
    }

    /// One declaration per month with payslips; the recent ones are not yet
    /// accepted, the current month's not yet filed; a simulation files nothing.
    fn load_declarations(
        &mut self,
        plan: &EmployerPlan,
        totals: &[u64; MONTHS],
        declared: &[bool; MONTHS],
    ) -> rusqlite::Result<()> {
        let simulation = DOSSIERS[plan.dossier].state == "simulation";
        for (slot, (&total, _)) in totals
            .iter()
            .zip(declared)
            .enumerate()
            .filter(|(_, (_, d))| **d)
        {
            let m = FIRST + slot as Month;
            let status = if simulation || m == LAST {
                "a_deposer"
            } else if m == LAST - 1 {
                match self.rng.below(100) {
                    0..3 => "rejetee",
                    3..30 => "acceptee",
                    _ => "deposee",
                }
            } else {
                "acceptee"
            };
            let deposited_at = (status != "a_deposer").then(|| {
                let next = m + 1;
                let offset = if (4..=10).contains(&month_of(next)) {
                    "+02:00"
                } else {
                    "+01:00"
                };
                format!(
                    "{}T{:02}:{:02}:{:02}{offset}",
                    date(next, self.rng.between(2, 14) as u32),
                    self.rng.between(8, 18),
                    self.rng.below(60),
                    self.rng.below(60)
                )
            });
            self.declaration.execute(params![
                self.next_declaration,
                plan.id,
                self.periods[slot],
                status,
                deposited_at,
                total as i64
            ])?;
            self.next_declaration += 1;
            self.counts.declarations += 1;
        }
        Ok(())
    }

    /// Users, workstations, a session, the audit log and the demo's marks.
    fn load_installation(&mut self, accounts: &[Account]) -> rusqlite::Result<()> {
        for (i, a) in accounts.iter().enumerate() {
            self.tx.execute(
                "INSERT INTO users (id, login, display_name, role, password_hash, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    i as i64 + 1,
                    a.login,
                    a.display_name,
                    a.role,
                    a.password_hash,
                    a.created_at
                ],
            )?;
            self.counts.users += 1;
        }
        let mut ids = Vec::new();
        for (hostname, licensed, last_seen) in [
            ("POSTE-PAIE-01", true, "2026-10-30T17:42:00+01:00"),
            ("POSTE-ACCUEIL", false, "2026-10-29T12:05:00+01:00"),
        ] {
            let mut bytes = [0_u8; 16];
            bytes[..8].copy_from_slice(&self.rng.next_u64().to_le_bytes());
            bytes[8..].copy_from_slice(&self.rng.next_u64().to_le_bytes());
            let id = uuid::Builder::from_random_bytes(bytes)
                .into_uuid()
                .hyphenated()
                .to_string();
            let licence = licensed.then(|| {
                let n = self.rng.next_u64();
                format!(
                    "DEMO-{:04X}-{:04X}-{:04X}",
                    n >> 48,
                    (n >> 32) & 0xFFFF,
                    (n >> 16) & 0xFFFF
                )
            });
            self.tx.execute(
                "INSERT INTO workstations (id, hostname, licence_key, last_seen) VALUES (?1, ?2, ?3, ?4)",
                params![id, hostname, licence, last_seen],
            )?;
            self.counts.workstations += 1;
            ids.push(id);
        }
        self.tx.execute(
            "INSERT INTO sessions (user_id, workstation_id, started_at, heartbeat_at)
             VALUES (2, ?1, '2026-10-30T08:57:14+01:00', '2026-10-30T17:42:00+01:00')",
            [&ids[0]],
        )?;
        let payslips = self.opts.payslips;
        let seed = self.opts.seed;
        let mut audit = vec![
            (
                "2021-11-08T09:00:00+01:00".to_owned(),
                "Administrateur",
                "store.created",
                "Création de la base".to_owned(),
            ),
            (
                "2023-03-01T14:30:00+01:00".to_owned(),
                "Administrateur",
                "user.created",
                "Compte Martin (gestionnaire)".to_owned(),
            ),
        ];
        audit.push((
            "2024-01-29T11:20:00+01:00".to_owned(),
            "Administrateur",
            "dossier.archived",
            DOSSIERS[3].name.to_owned(),
        ));
        audit.sort();
        audit.extend([
            (
                "2026-10-30T08:57:14+01:00".to_owned(),
                "Dupont",
                "session.started",
                "POSTE-PAIE-01".to_owned(),
            ),
            (
                "2026-10-30T18:00:00+01:00".to_owned(),
                "ligne de commande",
                "demo.created",
                format!("Base de démonstration : {payslips} bulletins, graine {seed}"),
            ),
        ]);
        for (at, actor, action, detail) in audit {
            self.tx.execute(
                "INSERT INTO audit_log (at, actor, action, detail) VALUES (?1, ?2, ?3, ?4)",
                params![at, actor, action, detail],
            )?;
        }
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES ('demo_seed', ?1), ('demo_payslips', ?2)",
            params![seed.to_string(), payslips.to_string()],
        )?;
        Ok(())
    }
}

/// Failures inside the load loop, before they are tied to the store's path.
enum LoadError {
    Sqlite(rusqlite::Error),
    Job(JobError),
}

impl From<rusqlite::Error> for LoadError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sqlite(e)
    }
}

impl From<JobError> for LoadError {
    fn from(e: JobError) -> Self {
        Self::Job(e)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;
    use std::sync::Mutex;

    use super::*;
    use crate::identifiers::{nir_is_valid, siret_is_valid};
    use crate::jobs::NoProgress;
    use crate::store::DossierState;

    /// A home and a data folder, each its own temporary folder.
    struct Fixture {
        _home_dir: tempfile::TempDir,
        data_dir: tempfile::TempDir,
        home: Home,
    }

    impl Fixture {
        fn new() -> Self {
            let home_dir = tempfile::tempdir().expect("home");
            let home = Home::at(home_dir.path());
            Self {
                _home_dir: home_dir,
                data_dir: tempfile::tempdir().expect("data"),
                home,
            }
        }

        fn path(&self, name: &str) -> PathBuf {
            self.data_dir.path().join(name)
        }

        fn build(&self, name: &str, opts: DemoOptions) -> Result<DemoReport, DemoError> {
            build_demo(
                &self.home,
                &self.path(name),
                &opts,
                &NoProgress,
                &Cancel::new(),
            )
        }

        /// The names in the data folder, sorted.
        fn files(&self) -> Vec<String> {
            let mut names: Vec<String> = std::fs::read_dir(self.data_dir.path())
                .expect("list")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                // The store's gate (`store::gate`) stays beside it.
                .filter(|n| !n.ends_with(".verrou"))
                .collect();
            names.sort();
            names
        }
    }

    fn opts(payslips: u64, seed: u64) -> DemoOptions {
        DemoOptions {
            payslips,
            seed,
            overwrite: false,
        }
    }

    fn strings(store: &Store, sql: &str) -> Vec<String> {
        let mut stmt = store.connection().prepare(sql).expect("prepare");
        stmt.query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    }

    fn count(store: &Store, sql: &str) -> u64 {
        store
            .connection()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("count") as u64
    }

    /// Every payroll row as text, in id order.
    fn dump(store: &Store) -> Vec<String> {
        let mut rows = Vec::new();
        for table in [
            "dossiers",
            "employers",
            "employer_risks",
            "employees",
            "contracts",
            "payslips",
            "declarations",
            "exercises",
            "users",
            "workstations",
            "sessions",
            "audit_log",
        ] {
            let mut stmt = store
                .connection()
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1"))
                .expect("prepare");
            let columns = stmt.column_count();
            let table_rows: Vec<String> = stmt
                .query_map([], |r| {
                    let mut line = table.to_owned();
                    for i in 0..columns {
                        let v: rusqlite::types::Value = r.get(i)?;
                        let _ = write!(line, "|{v:?}");
                    }
                    Ok(line)
                })
                .expect("query")
                .collect::<Result<_, _>>()
                .expect("rows");
            rows.extend(table_rows);
        }
        rows
    }

    #[test]
    fn a_small_demo_is_a_sound_and_realistic_store() {
        let fx = Fixture::new();
        let path = fx.path("demo.iea");
        let report = fx.build("demo.iea", opts(2_000, 1)).expect("build");
        assert_eq!(report.path, path);
        assert_eq!(report.payslips, 2_000);
        assert_eq!(fx.files(), ["demo.iea"], "no temporary file left");

        let store = Store::open(&path).expect("open");
        assert!(store.integrity_problems().expect("integrity").is_empty());
        assert_eq!(
            count(&store, "SELECT count(*) FROM pragma_foreign_key_check"),
            0
        );
        let journal: String = store
            .connection()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal");
        assert_eq!(journal, "wal");

        let summary = store.summary().expect("summary");
        assert_eq!(summary.payslips, report.payslips);
        assert_eq!(summary.employers, report.employers);
        assert_eq!(summary.employees, report.employees);
        assert_eq!(summary.users, report.users);
        assert_eq!(summary.workstations, report.workstations);
        assert_eq!(summary.dossiers.len() as u64, report.dossiers);
        assert_eq!(
            summary.dossiers.iter().map(|d| d.payslips).sum::<u64>(),
            2_000
        );
        assert_eq!(report.users, 3);
        assert_eq!(report.workstations, 2);
        assert_eq!(
            report.contracts,
            count(&store, "SELECT count(*) FROM contracts")
        );
        assert_eq!(
            report.declarations,
            count(&store, "SELECT count(*) FROM declarations")
        );
        assert!(report.employers >= 12 && report.employees > report.employers);

        let theatre = summary
            .dossiers
            .iter()
            .find(|d| d.name == "Association Les Amis du Théâtre")
            .expect("main dossier");
        assert_eq!(theatre.state, DossierState::Production);
        assert_eq!(theatre.first_period.as_deref(), Some(FIRST_PERIOD));
        assert_eq!(theatre.last_period.as_deref(), Some(LAST_PERIOD));
        let training = summary
            .dossiers
            .iter()
            .find(|d| d.name == "Formation 2026 (essai)")
            .expect("simulation dossier");
        assert_eq!(training.state, DossierState::Simulation);
        assert!(summary.dossiers.iter().any(|d| d.archived));

        for siret in strings(&store, "SELECT siret FROM employers") {
            assert!(siret_is_valid(&siret), "{siret}");
        }
        for nir in strings(&store, "SELECT nir FROM employees") {
            assert!(nir_is_valid(&nir), "{nir}");
        }
        assert_eq!(
            strings(&store, "SELECT login || ':' || role FROM users ORDER BY id"),
            [
                "Administrateur:administrateur",
                "Dupont:gestionnaire",
                "Martin:gestionnaire"
            ]
        );
        assert_eq!(
            strings(
                &store,
                "SELECT hostname FROM workstations ORDER BY hostname"
            ),
            ["POSTE-ACCUEIL", "POSTE-PAIE-01"]
        );
        assert_eq!(count(&store, "SELECT count(*) FROM sessions"), 1);
        assert!(count(&store, "SELECT count(*) FROM audit_log") >= 3);

        // Archived and exited employers and employees.
        assert!(count(&store, "SELECT count(*) FROM employers WHERE archived = 1") > 0);
        assert!(
            count(
                &store,
                "SELECT count(*) FROM employers WHERE exit_date IS NOT NULL"
            ) > 0
        );
        assert!(count(&store, "SELECT count(*) FROM employees WHERE archived = 1") > 0);
        assert!(count(&store, "SELECT count(*) FROM employees WHERE archived = 0") > 0);

        // Agreements and their OPCO.
        assert_eq!(
            strings(&store, "SELECT DISTINCT ccn_code FROM employers ORDER BY 1"),
            ["0413", "1261", "1518", "2511", "2941", "9999"]
        );
        assert_eq!(
            strings(
                &store,
                "SELECT DISTINCT coalesce(opco, 'NULL') FROM employers WHERE ccn_code = '2511'"
            ),
            ["AFDAS"]
        );
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM employers WHERE ccn_code = '9999' AND opco IS NOT 'caisse non répertoriée'"
            ),
            0
        );
        assert!(
            count(
                &store,
                "SELECT count(*) FROM employers WHERE ccn_code = '9999'"
            ) > 0
        );
        assert!(count(&store, "SELECT count(*) FROM employer_risks") >= report.employers);

        // Every kind of contract, open-ended CDIs among them.
        assert_eq!(
            strings(&store, "SELECT DISTINCT kind FROM contracts ORDER BY 1"),
            ["CDD", "CDI", "CEE", "CUI", "apprentissage"]
        );
        assert!(
            count(
                &store,
                "SELECT count(*) FROM contracts WHERE end_date IS NULL"
            ) > 0
        );

        // Payslips lie within their contract, and the amounts are plausible.
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM payslips p JOIN contracts c ON c.id = p.contract_id
                 WHERE p.period < substr(c.start_date, 1, 7) AND p.period > '2022-01'
                    OR p.period > substr(coalesce(c.end_date, '9999-12'), 1, 7)"
            ),
            0
        );
        let (gross, worker, employer, pas): (i64, i64, i64, i64) = store
            .connection()
            .query_row(
                "SELECT sum(gross_cents), sum(employee_contrib_cents), sum(employer_contrib_cents), sum(pas_cents) FROM payslips",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("sums");
        let worker_pct = worker * 100 / gross;
        let employer_pct = employer * 100 / gross;
        assert!((15..=24).contains(&worker_pct), "{worker_pct}");
        assert!((20..=40).contains(&employer_pct), "{employer_pct}");
        assert!(pas > 0 && pas < gross / 10);

        // Declarations: one per employer and month with payslips.
        assert_eq!(
            report.declarations,
            count(
                &store,
                "SELECT count(*) FROM (SELECT DISTINCT employer_id, period FROM payslips)"
            )
        );
        assert!(
            count(
                &store,
                "SELECT count(*) FROM declarations WHERE status = 'a_deposer'"
            ) > 0
        );
        assert!(
            count(
                &store,
                "SELECT count(*) FROM declarations WHERE status = 'acceptee'"
            ) > 0
        );

        // Exercises: all open, ready for a closing.
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM exercises WHERE state = 'cloture'"
            ),
            0
        );
        assert!(
            count(
                &store,
                "SELECT count(*) FROM exercises WHERE state = 'ouvert'"
            ) >= 3
        );
    }

    #[test]
    fn the_payslip_count_is_exact_even_when_tiny() {
        let fx = Fixture::new();
        for n in [0, 1, 7, 181] {
            let name = format!("demo-{n}.iea");
            let report = fx.build(&name, opts(n, 3)).expect("build");
            assert_eq!(report.payslips, n);
            let store = Store::open(&fx.path(&name)).expect("open");
            assert_eq!(count(&store, "SELECT count(*) FROM payslips"), n);
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_store_and_another_seed_another() {
        let fx = Fixture::new();
        fx.build("a.iea", opts(1_500, 42)).expect("a");
        fx.build("b.iea", opts(1_500, 42)).expect("b");
        fx.build("c.iea", opts(1_500, 43)).expect("c");
        let a = dump(&Store::open(&fx.path("a.iea")).expect("a"));
        let b = dump(&Store::open(&fx.path("b.iea")).expect("b"));
        let c = dump(&Store::open(&fx.path("c.iea")).expect("c"));
        assert!(a.len() > 1_500);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn an_existing_file_is_refused_and_left_as_it_was() {
        let fx = Fixture::new();
        let path = fx.path("paie.iea");
        drop(Store::create(&path).expect("create"));
        let before = std::fs::read(&path).expect("read");
        match fx.build("paie.iea", opts(100, 1)) {
            Err(DemoError::Exists { path: p }) => assert_eq!(p, path),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(std::fs::read(&path).expect("read"), before);
        assert_eq!(fx.files(), ["paie.iea"]);
    }

    #[test]
    fn overwrite_replaces_a_store_and_its_wal() {
        let fx = Fixture::new();
        let path = fx.path("paie.iea");
        fx.build("paie.iea", opts(300, 1)).expect("first");
        {
            // Leave committed rows in the old store's WAL.
            let store = Store::open(&path).expect("open");
            store.audit("test", "old.row", "").expect("audit");
        }
        let report = fx
            .build(
                "paie.iea",
                DemoOptions {
                    overwrite: true,
                    ..opts(700, 2)
                },
            )
            .expect("overwrite");
        assert_eq!(report.payslips, 700);
        let store = Store::open(&path).expect("open");
        assert_eq!(count(&store, "SELECT count(*) FROM payslips"), 700);
        assert_eq!(
            count(
                &store,
                "SELECT count(*) FROM audit_log WHERE action = 'old.row'"
            ),
            0
        );
        assert!(store.integrity_problems().expect("integrity").is_empty());
        drop(store);
        assert_eq!(fx.files(), ["paie.iea"]);
    }

    #[test]
    fn overwrite_keeps_files_that_are_not_stores() {
        let fx = Fixture::new();
        let path = fx.path("rapport.iea");
        std::fs::write(&path, b"Rapport annuel, ne pas effacer").expect("write");
        let result = fx.build(
            "rapport.iea",
            DemoOptions {
                overwrite: true,
                ..opts(100, 1)
            },
        );
        assert!(
            matches!(result, Err(DemoError::NotAStore { .. })),
            "{result:?}"
        );
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"Rapport annuel, ne pas effacer"
        );
        assert_eq!(fx.files(), ["rapport.iea"]);
    }

    #[test]
    fn overwrite_refuses_a_store_another_connection_has_open() {
        let fx = Fixture::new();
        let path = fx.path("paie.iea");
        fx.build("paie.iea", opts(200, 1)).expect("first");
        let user = Store::open(&path).expect("open");
        let before = dump(&user);
        let result = fx.build(
            "paie.iea",
            DemoOptions {
                overwrite: true,
                ..opts(300, 2)
            },
        );
        assert!(
            matches!(result, Err(DemoError::StoreInUse { .. })),
            "{result:?}"
        );
        assert_eq!(dump(&user), before);
        drop(user);
        assert_eq!(fx.files(), ["paie.iea"]);
    }

    /// Cancels the job once it has reported some payslips.
    struct CancelAfter {
        cancel: Cancel,
        after: u64,
        phases: Mutex<Vec<(Phase, u64)>>,
    }

    impl Progress for CancelAfter {
        fn phase(&self, phase: Phase, total: u64) {
            self.phases.lock().expect("lock").push((phase, total));
        }
        fn advance(&self, done: u64) {
            if done >= self.after {
                self.cancel.cancel();
            }
        }
    }

    #[test]
    fn cancel_leaves_the_existing_store_untouched_and_no_temporary_file() {
        let fx = Fixture::new();
        let path = fx.path("paie.iea");
        fx.build("paie.iea", opts(100, 1)).expect("first");
        let before = std::fs::read(&path).expect("read");
        let cancel = Cancel::new();
        let progress = CancelAfter {
            cancel: cancel.clone(),
            after: 1,
            phases: Mutex::new(Vec::new()),
        };
        let result = build_demo(
            &fx.home,
            &path,
            &DemoOptions {
                overwrite: true,
                ..opts(3 * PROGRESS_STEP, 1)
            },
            &progress,
            &cancel,
        );
        assert!(
            matches!(result, Err(DemoError::Job(JobError::Cancelled))),
            "{result:?}"
        );
        assert_eq!(std::fs::read(&path).expect("read"), before);
        assert_eq!(fx.files(), ["paie.iea"]);
        let phases = progress.phases.lock().expect("lock");
        assert!(
            phases.contains(&(Phase::DemoPayslips, 3 * PROGRESS_STEP)),
            "{phases:?}"
        );

        // Cancelled before any payslip was written into a fresh folder: nothing at all.
        let fresh = fx.path("nouveau").join("paie.iea");
        let cancel = Cancel::new();
        cancel.cancel();
        let result = build_demo(&fx.home, &fresh, &opts(10_000, 1), &NoProgress, &cancel);
        assert!(matches!(result, Err(DemoError::Job(JobError::Cancelled))));
        assert!(!fresh.exists());
        assert_eq!(
            std::fs::read_dir(fx.path("nouveau")).expect("list").count(),
            0
        );
    }

    #[test]
    fn a_second_demo_job_is_refused() {
        let fx = Fixture::new();
        let _running = JobLock::acquire(&fx.home, JobKind::Demo).expect("first job");
        let result = fx.build("paie.iea", opts(100, 1));
        assert!(
            matches!(
                result,
                Err(DemoError::Job(JobError::AlreadyRunning {
                    kind: JobKind::Demo,
                    ..
                }))
            ),
            "{result:?}"
        );
        assert!(fx.files().is_empty());
    }

    #[test]
    fn the_parent_folder_is_created() {
        let fx = Fixture::new();
        let path = fx.home.default_store_path();
        let report =
            build_demo(&fx.home, &path, &opts(50, 1), &NoProgress, &Cancel::new()).expect("build");
        assert_eq!(report.payslips, 50);
        assert!(path.is_file());
    }

    #[test]
    fn the_demo_password_opens_every_account() {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let accounts = demo_accounts(7).expect("accounts");
        assert_eq!(accounts.len(), 3);
        for a in &accounts {
            let hash = PasswordHash::new(&a.password_hash).expect("phc");
            argon2::Argon2::default()
                .verify_password(DEMO_PASSWORD.as_bytes(), &hash)
                .expect("verifies");
            assert!(
                argon2::Argon2::default()
                    .verify_password(b"autre", &hash)
                    .is_err()
            );
        }
    }

    #[test]
    fn calendar_helpers() {
        assert_eq!(period(FIRST), FIRST_PERIOD);
        assert_eq!(period(LAST), LAST_PERIOD);
        assert_eq!(MONTHS, 58);
        assert_eq!(end_of(ym(2024, 2)), "2024-02-29");
        assert_eq!(end_of(ym(2026, 2)), "2026-02-28");
        assert_eq!(end_of(ym(2025, 4)), "2025-04-30");
        assert_eq!(smic_cents(ym(2022, 1)), 1057);
        assert_eq!(smic_cents(ym(2024, 12)), 1188);
        assert_eq!(of_town("Auxerre"), "d'Auxerre");
        assert_eq!(of_town("Le Mans"), "du Mans");
        assert_eq!(of_town("Les Sables-d'Olonne"), "des Sables-d'Olonne");
        assert_eq!(of_town("Évreux"), "d'Évreux");
        assert_eq!(of_town("Sens"), "de Sens");
    }
}
