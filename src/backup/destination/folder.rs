//! A local or network folder as a backup destination ("Dossier local ou
//! réseau").
//!
//! An archive is copied under a temporary name ([`PARTIAL_PREFIX`]), flushed to
//! the device, read back from the device (the page cache is dropped first where
//! the system allows, so the bytes checked are the bytes stored) and compared
//! with the SHA-256 of the local archive; only then does it get its final name,
//! and the folder is flushed. A folder that is missing is reported, never
//! created again: a renamed or moved folder, or a share that is not connected,
//! must be seen by the user ("Emplacement indisponible"), not silently replaced
//! by an empty folder nobody looks at.

use crate::backup::archive::hex;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{DestinationError, Location, PARTIAL_PREFIX, Place, StoredBackup, parse_archive_name};
use crate::fsutil;
use crate::jobs::Cancel;

/// Size of the copy and read-back buffers.
const BUFFER_BYTES: usize = 1 << 20;

/// A folder receiving the archives of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderLocation {
    folder: PathBuf,
}

impl FolderLocation {
    /// The folder at `path` (nothing is checked or created until it is used).
    pub fn new(path: PathBuf) -> Self {
        Self { folder: path }
    }

    /// The folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    fn what(&self) -> String {
        self.folder.display().to_string()
    }

    /// The folder exists and is a folder; otherwise the typed reason.
    fn check_folder(&self) -> Result<(), DestinationError> {
        match fs::metadata(&self.folder) {
            Ok(meta) if meta.is_dir() => Ok(()),
            // A file where the folder should be: the folder is not there.
            Ok(_) => Err(DestinationError::Missing { what: self.what() }),
            Err(e) => Err(classify_io(&self.what(), e)),
        }
    }

    /// The path of `name` in the folder, refusing anything but a plain file name.
    fn entry(&self, name: &str) -> Result<PathBuf, DestinationError> {
        let plain = !name.is_empty()
            && !name.contains(['/', '\\'])
            && name != "."
            && name != ".."
            && !Path::new(name).is_absolute();
        if plain {
            Ok(self.folder.join(name))
        } else {
            Err(DestinationError::Io {
                what: format!("{} ({name})", self.what()),
                source: io::Error::new(io::ErrorKind::InvalidInput, "not a plain file name"),
            })
        }
    }

    /// The copy, flush, read-back and rename of [`Location::put`]; the caller
    /// removes `partial` on failure.
    fn put_checked(
        &self,
        local: &Path,
        partial: &Path,
        final_path: &Path,
        sha256_hex: &str,
        cancel: &Cancel,
    ) -> Result<u64, DestinationError> {
        let local_err = |source: io::Error| DestinationError::Io {
            what: local.display().to_string(),
            source,
        };
        let dest_err = |e: io::Error| classify_io(&self.what(), e);
        let mut input = File::open(local).map_err(local_err)?;
        let mut out = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(partial)
            .map_err(dest_err)?;
        let mut buf = vec![0_u8; BUFFER_BYTES];
        let mut written: u64 = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(DestinationError::Cancelled);
            }
            let n = read_some(&mut input, &mut buf).map_err(local_err)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n]).map_err(dest_err)?;
            written += n as u64;
        }
        out.sync_all().map_err(dest_err)?;
        forget_cached_pages(&out);
        drop(out);

        // Read back what the device holds.
        let mut back = File::open(partial).map_err(dest_err)?;
        forget_cached_pages(&back);
        let mut hasher = Sha256::new();
        let mut read: u64 = 0;
        loop {
            if cancel.is_cancelled() {
                return Err(DestinationError::Cancelled);
            }
            let n = read_some(&mut back, &mut buf).map_err(dest_err)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            read += n as u64;
        }
        drop(back);
        if read != written {
            return Err(DestinationError::Mismatch {
                what: self.what(),
                detail: format!("{written} bytes written, {read} bytes read back"),
            });
        }
        let digest = hex(&hasher.finalize());
        if !digest.eq_ignore_ascii_case(sha256_hex.trim()) {
            return Err(DestinationError::Mismatch {
                what: self.what(),
                detail: format!("SHA-256 read back {digest}, expected {}", sha256_hex.trim()),
            });
        }
        fsutil::rename_durable(partial, final_path).map_err(dest_err)?;
        Ok(written)
    }
}

impl Location for FolderLocation {
    fn place(&self) -> Place {
        Place::Folder {
            path: self.folder.clone(),
        }
    }

    fn put(
        &mut self,
        local: &Path,
        final_name: &str,
        sha256_hex: &str,
        cancel: &Cancel,
    ) -> Result<u64, DestinationError> {
        let final_path = self.entry(final_name)?;
        let partial = self.entry(&format!("{PARTIAL_PREFIX}{final_name}"))?;
        self.check_folder()?;
        // A partial file of the same name is a leftover of an interrupted run.
        match fs::remove_file(&partial) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(classify_io(&self.what(), e)),
        }
        let result = self.put_checked(local, &partial, &final_path, sha256_hex, cancel);
        if result.is_err() {
            let _ = fs::remove_file(&partial);
        }
        result
    }

    fn list(&mut self, script: &str) -> Result<Vec<StoredBackup>, DestinationError> {
        let what = self.what();
        self.check_folder()?;
        let entries = fs::read_dir(&self.folder).map_err(|e| classify_io(&what, e))?;
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| classify_io(&what, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(taken_at) = parse_archive_name(script, name) else {
                continue;
            };
            // Follows links: an archive may be a link the IT contact made.
            let Ok(meta) = fs::metadata(entry.path()) else {
                continue;
            };
            if meta.is_file() {
                found.push(StoredBackup {
                    name: name.to_owned(),
                    size_bytes: meta.len(),
                    taken_at,
                });
            }
        }
        found.sort_by(|a, b| {
            a.taken_at
                .cmp(&b.taken_at)
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(found)
    }

    fn fetch(&mut self, name: &str, to: &Path) -> Result<u64, DestinationError> {
        let from = self.entry(name)?;
        self.check_folder()?;
        let mut input = File::open(&from).map_err(|e| match e.kind() {
            // The folder is there (just checked): the archive is not.
            io::ErrorKind::NotFound => DestinationError::Io {
                what: from.display().to_string(),
                source: e,
            },
            _ => classify_io(&self.what(), e),
        })?;
        let local_err = |source: io::Error| DestinationError::Io {
            what: to.display().to_string(),
            source,
        };
        let copy = (|| {
            let mut out = File::create(to).map_err(local_err)?;
            let mut buf = vec![0_u8; BUFFER_BYTES];
            let mut copied: u64 = 0;
            loop {
                let n =
                    read_some(&mut input, &mut buf).map_err(|e| classify_io(&self.what(), e))?;
                if n == 0 {
                    break;
                }
                out.write_all(&buf[..n]).map_err(local_err)?;
                copied += n as u64;
            }
            out.sync_all().map_err(local_err)?;
            Ok(copied)
        })();
        if copy.is_err() {
            let _ = fs::remove_file(to);
        }
        copy
    }

    fn remove(&mut self, name: &str) -> Result<(), DestinationError> {
        let path = self.entry(name)?;
        match fs::remove_file(&path) {
            Ok(()) => fsutil::sync_dir(&self.folder).map_err(|e| classify_io(&self.what(), e)),
            // Already gone is what was asked, as long as the folder is there.
            Err(e) if e.kind() == io::ErrorKind::NotFound => self.check_folder(),
            Err(e) => Err(classify_io(&self.what(), e)),
        }
    }
}

/// Classifies a system error met at the destination `what`: a missing folder
/// or unreachable share, no rights (read-only disk included), a full disk or
/// quota, or anything else.
pub(crate) fn classify_io(what: &str, e: io::Error) -> DestinationError {
    use io::ErrorKind as K;
    let what = what.to_owned();
    match e.kind() {
        K::NotFound
        | K::NotADirectory
        | K::NotConnected
        | K::HostUnreachable
        | K::NetworkUnreachable
        | K::NetworkDown
        | K::StaleNetworkFileHandle => DestinationError::Missing { what },
        K::PermissionDenied | K::ReadOnlyFilesystem => DestinationError::PermissionDenied { what },
        K::StorageFull | K::QuotaExceeded => DestinationError::Full { what },
        _ => DestinationError::Io { what, source: e },
    }
}

/// Asks the system to drop the cached pages of `file` (already flushed), so
/// that the next read comes from the device. Best effort.
fn forget_cached_pages(file: &File) {
    #[cfg(target_os = "linux")]
    {
        let _ = rustix::fs::fadvise(file, 0, None, rustix::fs::Advice::DontNeed);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = file;
}

/// One `read`, retried when interrupted by a signal.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::archive::sha256_file;
    use crate::backup::destination::archive_name;

    fn at(day: u32, hour: u32) -> chrono::NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2025, 1, day)
            .expect("date")
            .and_hms_opt(hour, 0, 0)
            .expect("time")
    }

    /// A local "archive" of `size` bytes and its SHA-256.
    fn local_file(dir: &Path, size: usize) -> (PathBuf, String) {
        let path = dir.join("local.iea.zip");
        let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        fs::write(&path, bytes).expect("write");
        let sha = sha256_file(&path).expect("hash");
        (path, sha)
    }

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn is_root() -> bool {
        #[cfg(unix)]
        {
            rustix::process::geteuid().is_root()
        }
        #[cfg(not(unix))]
        {
            false
        }
    }

    #[test]
    fn put_list_fetch_remove() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (local, sha) = local_file(dir.path(), 3 * BUFFER_BYTES + 17);
        let folder = dir.path().join("sauvegardes");
        fs::create_dir(&folder).expect("folder");
        let mut location = FolderLocation::new(folder.clone());
        assert_eq!(
            crate::messages::place(&location.place()),
            folder.display().to_string()
        );

        let later = archive_name("Hebdo", at(12, 23));
        let earlier = archive_name("Hebdo", at(5, 23));
        let size = location
            .put(&local, &later, &sha, &Cancel::new())
            .expect("put");
        assert_eq!(size, 3 * BUFFER_BYTES as u64 + 17);
        location
            .put(&local, &earlier, &sha.to_uppercase(), &Cancel::new())
            .expect("put with an upper-case hash");
        assert_eq!(names_in(&folder), {
            let mut v = vec![earlier.clone(), later.clone()];
            v.sort();
            v
        });

        let listed = location.list("Hebdo").expect("list");
        let names: Vec<&str> = listed.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(
            names,
            vec![earlier.as_str(), later.as_str()],
            "oldest first"
        );
        assert_eq!(listed[0].taken_at, at(5, 23));
        assert_eq!(listed[0].size_bytes, size);

        let fetched = dir.path().join("fetched.iea.zip");
        fs::write(&fetched, b"old content replaced").expect("pre-existing");
        assert_eq!(location.fetch(&later, &fetched).expect("fetch"), size);
        assert_eq!(sha256_file(&fetched).expect("hash"), sha);

        location.remove(&earlier).expect("remove");
        location.remove(&earlier).expect("removing twice is fine");
        assert_eq!(names_in(&folder), vec![later.clone()]);
        assert!(matches!(
            location.fetch(&earlier, &fetched),
            Err(DestinationError::Io { .. })
        ));
        // Refused before any copy: the local file is as it was.
        assert_eq!(sha256_file(&fetched).expect("hash"), sha);
        assert!(matches!(
            location.fetch("../local.iea.zip", &fetched),
            Err(DestinationError::Io { .. })
        ));
    }

    #[test]
    fn a_copy_that_does_not_match_is_not_kept() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (local, _) = local_file(dir.path(), 1000);
        let folder = dir.path().join("sauvegardes");
        fs::create_dir(&folder).expect("folder");
        let mut location = FolderLocation::new(folder.clone());
        let name = archive_name("Hebdo", at(5, 23));
        match location.put(&local, &name, &"0".repeat(64), &Cancel::new()) {
            Err(DestinationError::Mismatch { what, detail }) => {
                assert_eq!(what, folder.display().to_string());
                assert!(detail.contains("SHA-256"), "{detail}");
            }
            other => panic!("expected a mismatch, got {other:?}"),
        }
        assert!(names_in(&folder).is_empty(), "{:?}", names_in(&folder));
    }

    #[test]
    fn a_partial_file_left_by_a_crash_is_replaced_and_never_listed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (local, sha) = local_file(dir.path(), 5000);
        let folder = dir.path().join("sauvegardes");
        fs::create_dir(&folder).expect("folder");
        let name = archive_name("Hebdo", at(5, 23));
        let partial = folder.join(format!("{PARTIAL_PREFIX}{name}"));
        fs::write(&partial, b"half an archive").expect("leftover");
        let mut location = FolderLocation::new(folder.clone());
        assert!(location.list("Hebdo").expect("list").is_empty());
        location
            .put(&local, &name, &sha, &Cancel::new())
            .expect("put");
        assert_eq!(names_in(&folder), vec![name]);
    }

    #[test]
    fn cancel_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (local, sha) = local_file(dir.path(), 5000);
        let folder = dir.path().join("sauvegardes");
        fs::create_dir(&folder).expect("folder");
        let cancel = Cancel::new();
        cancel.cancel();
        let mut location = FolderLocation::new(folder.clone());
        assert!(matches!(
            location.put(&local, &archive_name("Hebdo", at(5, 23)), &sha, &cancel),
            Err(DestinationError::Cancelled)
        ));
        assert!(names_in(&folder).is_empty());
    }

    #[test]
    fn a_missing_folder_is_reported_and_not_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (local, sha) = local_file(dir.path(), 100);
        let folder = dir.path().join("renomme");
        let mut location = FolderLocation::new(folder.clone());
        let name = archive_name("Hebdo", at(5, 23));
        for result in [
            location
                .put(&local, &name, &sha, &Cancel::new())
                .map(|_| ()),
            location.list("Hebdo").map(|_| ()),
            location.fetch(&name, &dir.path().join("x")).map(|_| ()),
            location.remove(&name),
        ] {
            match result {
                Err(DestinationError::Missing { what }) => {
                    assert_eq!(what, folder.display().to_string());
                }
                other => panic!("expected a missing folder, got {other:?}"),
            }
        }
        assert!(!folder.exists(), "never created");
        // A file where the folder should be, or in the way of its path.
        let file = dir.path().join("fichier");
        fs::write(&file, b"x").expect("file");
        for path in [file.clone(), file.join("sous-dossier")] {
            assert!(matches!(
                FolderLocation::new(path).put(&local, &name, &sha, &Cancel::new()),
                Err(DestinationError::Missing { .. })
            ));
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_is_a_permission_problem() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let (local, sha) = local_file(dir.path(), 100);
        let folder = dir.path().join("lecture-seule");
        fs::create_dir(&folder).expect("folder");
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o555)).expect("chmod");
        let result = FolderLocation::new(folder.clone()).put(
            &local,
            &archive_name("Hebdo", at(5, 23)),
            &sha,
            &Cancel::new(),
        );
        fs::set_permissions(&folder, fs::Permissions::from_mode(0o755)).expect("chmod back");
        if is_root() {
            // The superuser writes anyway: nothing to assert but a clean result.
            assert!(result.is_ok(), "{result:?}");
        } else {
            assert!(
                matches!(result, Err(DestinationError::PermissionDenied { .. })),
                "{result:?}"
            );
            assert!(names_in(&folder).is_empty());
        }
        // The classification itself, whoever runs the test.
        for kind in [
            io::ErrorKind::PermissionDenied,
            io::ErrorKind::ReadOnlyFilesystem,
        ] {
            assert!(matches!(
                classify_io("x", io::Error::from(kind)),
                DestinationError::PermissionDenied { .. }
            ));
        }
        for errno in [
            rustix::io::Errno::ACCESS,
            rustix::io::Errno::PERM,
            rustix::io::Errno::ROFS,
        ] {
            let e = io::Error::from_raw_os_error(errno.raw_os_error());
            assert!(matches!(
                classify_io("x", e),
                DestinationError::PermissionDenied { .. }
            ));
        }
        for errno in [rustix::io::Errno::NOSPC, rustix::io::Errno::DQUOT] {
            let e = io::Error::from_raw_os_error(errno.raw_os_error());
            assert!(matches!(classify_io("x", e), DestinationError::Full { .. }));
        }
    }

    #[test]
    fn other_scripts_with_a_common_prefix_are_not_listed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().to_path_buf();
        for name in [
            archive_name("Hebdo", at(5, 23)),
            archive_name("Hebdo-bis", at(6, 23)),
            archive_name("Hebdo bis", at(7, 23)),
            archive_name("Mensuel", at(8, 23)),
            format!("{PARTIAL_PREFIX}{}", archive_name("Hebdo", at(9, 23))),
            "Hebdo-notes.txt".to_owned(),
        ] {
            fs::write(folder.join(name), b"x").expect("write");
        }
        // A folder with an archive's name is not an archive.
        fs::create_dir(folder.join(archive_name("Hebdo", at(10, 23)))).expect("dir");
        let mut location = FolderLocation::new(folder);
        let listed = location.list("Hebdo").expect("list");
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0].name, archive_name("Hebdo", at(5, 23)));
        assert_eq!(location.list("Hebdo-bis").expect("list").len(), 1);
    }
}
