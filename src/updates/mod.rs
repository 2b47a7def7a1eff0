//! Updates of the program and of its store ("Gérer les mises à jour",
//! "Mettre à jour Impact Emploi maintenant…", PROTOCOL.md's update server).
//!
//! The steps follow the seed's guide "Comment relancer une mise à jour", each a
//! plain function the centre, the command line and the service call alike:
//! - [`manifest`]: "Actualiser". The manifest and its minisign signature are
//!   fetched through the connection settings and refused before any use when the
//!   signature, the sequence (replay) or the expiry say so ([`keys`] holds the
//!   embedded vendor keys).
//! - [`download`]: "Télécharger". A resumable download (a partial file goes on
//!   only after a 206 whose `Content-Range` matches), checked for size and
//!   SHA-256 before it is kept.
//! - [`install`]: "Installer". The new binary is unpacked beside the running
//!   one, must answer its self-check with its version, then takes the running
//!   one's place by an atomic rename, the previous binary kept. The resident
//!   service restarts itself on it; when it does not come up healthy in time,
//!   the previous binary is put back ([`install::rollback`]).
//! - [`database`]: "Mise à jour de la base de données". A verified backup first,
//!   then every pending migration in one transaction under the store's write
//!   lock, and the report of the OPCO correspondence ([`report`]).
//! - [`check`]: the service's daily look at the manifest, one notification per
//!   new version.
//!
//! Everything this module keeps is under `IEA_HOME/mises-a-jour` ([`UpdateDirs`]).
//! Its facts are typed; `messages` says them in French.

pub mod check;
pub mod database;
pub mod download;
pub mod install;
pub mod keys;
pub mod manifest;
pub mod report;

use std::path::PathBuf;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::home::Home;

/// The product name every manifest must carry.
pub const PRODUCT: &str = "iea-maintenance";

/// The target triple packages are chosen by (`packages` keys of a release).
pub const TARGET: &str = if cfg!(all(target_os = "linux", target_arch = "x86_64")) {
    "x86_64-unknown-linux-gnu"
} else if cfg!(all(target_os = "linux", target_arch = "aarch64")) {
    "aarch64-unknown-linux-gnu"
} else if cfg!(all(target_os = "windows", target_arch = "x86_64")) {
    "x86_64-pc-windows-msvc"
} else {
    "unsupported"
};

/// The name of the program's binary inside a package.
pub const BINARY_NAME: &str = if cfg!(windows) {
    "iea-maintenance.exe"
} else {
    "iea-maintenance"
};

static PROGRAM_VERSION: OnceLock<&'static str> = OnceLock::new();

/// The version of the running program: the crate's version, unless the binary
/// was built to report another one ([`set_program_version`]).
pub fn program_version() -> &'static str {
    PROGRAM_VERSION.get_or_init(|| env!("CARGO_PKG_VERSION"))
}

/// Makes the running binary report `version`: for the builds of the program
/// that tests package as "the next version" (the same code, another number).
/// Only the first call counts, and only before anything asked the version.
pub fn set_program_version(version: &'static str) {
    let _ = PROGRAM_VERSION.set(version);
}

/// What a binary answers to `update self-check`: proof that it runs on this
/// computer and which version it is, before it may replace the running one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfCheck {
    /// Always [`PRODUCT`].
    pub product: String,
    /// Its version.
    pub version: String,
    /// The newest store schema it knows.
    pub schema_version: u32,
    /// Its target triple.
    pub target: String,
}

/// Runs the self-check of this binary: its embedded pieces are readable (the
/// tray icons decode, the migrations are in order) and it says who it is.
pub fn self_check() -> Result<SelfCheck, String> {
    crate::store::check_migrations().map_err(|e| format!("migrations: {e}"))?;
    let icons: [&[u8]; 3] = [
        include_bytes!("../../assets/icons/boule-bleue-64.png"),
        include_bytes!("../../assets/icons/boule-bleue-coeur-64.png"),
        include_bytes!("../../assets/icons/scarabee-rouge-64.png"),
    ];
    for png in icons {
        image::load_from_memory(png).map_err(|e| format!("icon: {e}"))?;
    }
    semver::Version::parse(program_version()).map_err(|e| format!("version: {e}"))?;
    Ok(SelfCheck {
        product: PRODUCT.to_owned(),
        version: program_version().to_owned(),
        schema_version: crate::store::SCHEMA_VERSION,
        target: TARGET.to_owned(),
    })
}

/// Where the updates keep their files, under `IEA_HOME/mises-a-jour`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateDirs {
    root: PathBuf,
}

impl UpdateDirs {
    /// The folders of `home` (nothing is created).
    pub fn of(home: &Home) -> Self {
        Self {
            root: home.root().join("mises-a-jour"),
        }
    }

    /// `IEA_HOME/mises-a-jour`.
    pub fn root(&self) -> &std::path::Path {
        &self.root
    }

    /// The highest manifest sequence this installation accepted.
    pub fn sequence_file(&self) -> PathBuf {
        self.root.join("sequence.json")
    }

    /// The last accepted manifest, exactly as signed.
    pub fn manifest_file(&self) -> PathBuf {
        self.root.join("manifest.json")
    }

    /// Its signature.
    pub fn signature_file(&self) -> PathBuf {
        self.root.join("manifest.json.minisig")
    }

    /// Downloads: partial files and verified packages.
    pub fn downloads_dir(&self) -> PathBuf {
        self.root.join("telechargements")
    }

    /// The record of the last installation (for the way back).
    pub fn install_record(&self) -> PathBuf {
        self.root.join("installation.json")
    }

    /// What the resident service wrote once it came up on a version.
    pub fn health_file(&self) -> PathBuf {
        self.root.join("sante.json")
    }

    /// The service's daily check (when, which versions were announced).
    pub fn check_file(&self) -> PathBuf {
        self.root.join("verification.json")
    }

    /// The backups taken before a database update.
    pub fn backups_dir(&self) -> PathBuf {
        self.root.join("sauvegardes")
    }

    /// The reports of the database updates, kept.
    pub fn reports_dir(&self) -> PathBuf {
        self.root.join("rapports")
    }

    /// Creates the root folder and `sub` under it.
    pub fn ensure(&self, sub: &std::path::Path) -> std::io::Result<()> {
        crate::fsutil::debug_assert_not_ui_thread("UpdateDirs::ensure");
        std::fs::create_dir_all(sub)
    }
}

/// Compares two versions as semver does; a version that does not parse sorts
/// before every one that does (it is never taken for a newer one).
pub fn version_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    match (semver::Version::parse(a), semver::Version::parse(b)) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        (Ok(_), Err(_)) => std::cmp::Ordering::Greater,
        (Err(_), Ok(_)) => std::cmp::Ordering::Less,
        (Err(_), Err(_)) => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_numbers_and_garbage_is_never_newer() {
        use std::cmp::Ordering::{Greater, Less};
        assert_eq!(version_cmp("3.10.0", "3.9.9"), Greater);
        assert_eq!(version_cmp("3.1.0", "3.1.1"), Less);
        assert_eq!(version_cmp("n'importe quoi", "0.0.1"), Less);
    }

    #[test]
    fn the_self_check_says_who_the_binary_is() {
        let answer = self_check().expect("self-check");
        assert_eq!(answer.product, PRODUCT);
        assert_eq!(answer.version, program_version());
        assert_eq!(answer.schema_version, crate::store::SCHEMA_VERSION);
    }
}
