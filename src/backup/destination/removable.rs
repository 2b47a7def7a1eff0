//! A removable disk as a backup destination ("Support amovible (clé USB, disque
//! externe)"), recognised by its identity wherever the system mounts it — never
//! by a drive letter or a mount path, which change from one plug to the next.
//!
//! When the user chooses a folder on the disk, [`mark`] writes a small marker
//! file ([`MARKER_FILE`]: a random volume id, the label, the date) in that
//! folder, and the script keeps the id, the label and the folder's path relative
//! to the root of the volume (its mount point). At each run [`locate`] looks, on
//! every mounted volume (and the extra roots of [`VolumeSearch`]), for that
//! relative folder holding a marker with the same id. A key plugged elsewhere is
//! found; another key with a folder of the same name is not taken for it.

use std::fs;
use std::path::{Component, Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::folder::{FolderLocation, classify_io};
use super::{DestinationError, Location, Place, StoredBackup, VolumeSearch};
use crate::backup::script::RemovableSettings;
use crate::fsutil;
use crate::jobs::Cancel;

/// The marker file written in the chosen backup folder of a removable disk.
pub const MARKER_FILE: &str = ".iea-support-sauvegarde";

/// The environment variable listing extra folders searched for removable disks
/// (separated by `:`, or `;` on Windows), before the mount points.
pub const EXTRA_ROOTS_VAR: &str = "IEA_SUPPORTS_AMOVIBLES";

/// The content of [`MARKER_FILE`].
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct VolumeMarker {
    /// A random UUID (v4) given to the disk when it was first chosen.
    pub volume_id: String,
    /// The label of the volume then (for people looking at the file).
    pub label: String,
    /// When the marker was written.
    pub created_at: DateTime<Utc>,
}

/// A mounted file system, as the system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPoint {
    /// Where it is mounted.
    pub path: PathBuf,
    /// Its type (`ext4`, `vfat`, `proc`…).
    pub fs_type: String,
    /// What is mounted (`/dev/sdb1`, a share, `proc`…).
    pub source: String,
    /// The device number (major, minor) of its files, when known.
    pub device: Option<(u32, u32)>,
}

impl MountPoint {
    /// Kernel and virtual file systems, where no backup disk can be.
    pub fn is_pseudo(&self) -> bool {
        const PSEUDO: [&str; 22] = [
            "proc",
            "sysfs",
            "cgroup",
            "cgroup2",
            "devpts",
            "devtmpfs",
            "mqueue",
            "debugfs",
            "tracefs",
            "securityfs",
            "pstore",
            "bpf",
            "configfs",
            "fusectl",
            "hugetlbfs",
            "autofs",
            "binfmt_misc",
            "efivarfs",
            "nsfs",
            "rpc_pipefs",
            "selinuxfs",
            "squashfs",
        ];
        PSEUDO.contains(&self.fs_type.as_str())
    }

    /// Network file systems: looked at last, since a share that stopped
    /// answering can keep a lookup waiting.
    pub fn is_network(&self) -> bool {
        const NETWORK: [&str; 11] = [
            "nfs",
            "nfs4",
            "cifs",
            "smb3",
            "smbfs",
            "fuse.sshfs",
            "9p",
            "afs",
            "ceph",
            "glusterfs",
            "lustre",
        ];
        NETWORK.contains(&self.fs_type.as_str())
    }
}

impl VolumeSearch {
    /// The system's mount points only.
    pub fn system() -> Self {
        Self::default()
    }

    /// The system's mount points, plus the folders listed in
    /// [`EXTRA_ROOTS_VAR`] (searched first).
    pub fn from_env() -> Self {
        let extra_roots = std::env::var_os(EXTRA_ROOTS_VAR)
            .map(|v| {
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Self { extra_roots }
    }
}

/// Prepares the existing folder `folder` of a removable disk for backups: keeps
/// the marker found there (and its id) or writes a new one, and returns the
/// settings of a script — the volume id, its label, and the folder relative to
/// the root of the volume (the longest mount point or extra root containing it).
pub fn mark(folder: &Path, search: &VolumeSearch) -> Result<RemovableSettings, DestinationError> {
    let what = folder.display().to_string();
    match fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => return Err(DestinationError::Missing { what }),
        Err(e) => return Err(classify_io(&what, e)),
    }
    let folder = fs::canonicalize(folder).map_err(|e| classify_io(&what, e))?;
    let mounts = system_mounts();
    let mut roots: Vec<PathBuf> = search
        .extra_roots
        .iter()
        .filter_map(|r| fs::canonicalize(r).ok())
        .collect();
    roots.extend(mounts.iter().map(|m| m.path.clone()));
    let root =
        containing_root(&folder, &roots).map_or_else(|| path_root(&folder), Path::to_path_buf);
    let relative = folder
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .unwrap_or_default();

    let marker_path = folder.join(MARKER_FILE);
    let existing = read_marker(&folder);
    let label = mounts
        .iter()
        .find(|m| m.path == root)
        .and_then(file_system_label)
        .or_else(|| existing.as_ref().map(|m| m.label.clone()))
        .filter(|l| !l.trim().is_empty())
        .unwrap_or_else(|| default_label(&root, &folder));
    let marker = if let Some(marker) = existing {
        marker
    } else {
        let fresh = VolumeMarker {
            volume_id: uuid::Uuid::new_v4().to_string(),
            label: label.clone(),
            created_at: Utc::now(),
        };
        let bytes = serde_json::to_vec_pretty(&fresh).map_err(|e| DestinationError::Io {
            what: marker_path.display().to_string(),
            source: std::io::Error::other(e),
        })?;
        let created = if marker_path.exists() {
            // Present but unreadable: replaced.
            fsutil::write_atomic(&marker_path, &bytes).map(|()| true)
        } else {
            fsutil::create_new_whole(&marker_path, &bytes, false)
        }
        .map_err(|e| classify_io(&what, e))?;
        if created {
            fresh
        } else {
            // Written by someone else meanwhile: theirs wins.
            read_marker(&folder).ok_or_else(|| DestinationError::Io {
                what: marker_path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, "unreadable marker"),
            })?
        }
    };
    tracing::info!(
        folder = %folder.display(),
        root = %root.display(),
        volume_id = %marker.volume_id,
        "support amovible préparé pour les sauvegardes"
    );
    Ok(RemovableSettings {
        volume_id: marker.volume_id,
        volume_label: label,
        folder: relative,
    })
}

/// Finds the removable disk of `settings` among the extra roots of `search` and
/// the system's mount points: the first root where the script's folder holds a
/// marker with the same volume id. [`DestinationError::VolumeAbsent`] when no
/// mounted volume carries it.
pub fn locate(
    settings: &RemovableSettings,
    search: &VolumeSearch,
) -> Result<RemovableLocation, DestinationError> {
    let roots = candidate_roots(search, &system_mounts());
    match find_volume(settings, &roots) {
        Some(root) => {
            let folder = root.join(relative_part(&settings.folder));
            tracing::debug!(
                volume_id = %settings.volume_id,
                folder = %folder.display(),
                "support amovible trouvé"
            );
            Ok(RemovableLocation {
                inner: FolderLocation::new(folder),
                label: settings.volume_label.clone(),
            })
        }
        None => Err(DestinationError::VolumeAbsent {
            label: settings.volume_label.clone(),
        }),
    }
}

/// The first of `roots` where the folder of `settings` holds the marker of its
/// volume.
pub fn find_volume(settings: &RemovableSettings, roots: &[PathBuf]) -> Option<PathBuf> {
    let relative = relative_part(&settings.folder);
    roots
        .iter()
        .find(|root| {
            read_marker(&root.join(&relative)).is_some_and(|m| m.volume_id == settings.volume_id)
        })
        .cloned()
}

/// The roots searched, in order: the extra roots, then the mount points of
/// local file systems, then those of network file systems; no kernel or
/// virtual file system, no duplicate.
pub fn candidate_roots(search: &VolumeSearch, mounts: &[MountPoint]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    let local = mounts.iter().filter(|m| !m.is_pseudo() && !m.is_network());
    let network = mounts.iter().filter(|m| m.is_network());
    for root in search
        .extra_roots
        .iter()
        .cloned()
        .chain(local.chain(network).map(|m| m.path.clone()))
    {
        if !roots.contains(&root) {
            roots.push(root);
        }
    }
    roots
}

/// The root among `roots` that contains `folder` with the most components (the
/// mount point a path lives on), compared component by component: `/media/usb`
/// does not contain `/media/usb2/x`.
pub fn containing_root<'a>(folder: &Path, roots: &'a [PathBuf]) -> Option<&'a Path> {
    roots
        .iter()
        .filter(|root| folder.starts_with(root))
        .max_by_key(|root| root.components().count())
        .map(PathBuf::as_path)
}

/// A removable disk found mounted: a [`FolderLocation`] in its backup folder,
/// whose "folder missing" errors mean the disk went away.
#[derive(Debug, Clone)]
pub struct RemovableLocation {
    inner: FolderLocation,
    label: String,
}

impl RemovableLocation {
    /// The backup folder where the disk was found.
    pub fn folder(&self) -> &Path {
        self.inner.folder()
    }

    fn absent(&self, e: DestinationError) -> DestinationError {
        match e {
            DestinationError::Missing { .. } => DestinationError::VolumeAbsent {
                label: self.label.clone(),
            },
            other => other,
        }
    }
}

impl Location for RemovableLocation {
    fn place(&self) -> Place {
        Place::RemovableFound {
            label: self.label.clone(),
            at: self.inner.folder().to_path_buf(),
        }
    }

    fn put(
        &mut self,
        local: &Path,
        final_name: &str,
        sha256_hex: &str,
        cancel: &Cancel,
    ) -> Result<u64, DestinationError> {
        self.inner
            .put(local, final_name, sha256_hex, cancel)
            .map_err(|e| self.absent(e))
    }

    fn list(&mut self, script: &str) -> Result<Vec<StoredBackup>, DestinationError> {
        self.inner.list(script).map_err(|e| self.absent(e))
    }

    fn fetch(&mut self, name: &str, to: &Path) -> Result<u64, DestinationError> {
        self.inner.fetch(name, to).map_err(|e| self.absent(e))
    }

    fn remove(&mut self, name: &str) -> Result<(), DestinationError> {
        self.inner.remove(name).map_err(|e| self.absent(e))
    }
}

/// The marker in `folder`, when there is a readable one.
fn read_marker(folder: &Path) -> Option<VolumeMarker> {
    let bytes = fs::read(folder.join(MARKER_FILE)).ok()?;
    if bytes.len() > 64 * 1024 {
        return None;
    }
    serde_json::from_slice(&bytes).ok()
}

/// Only the normal components of a stored relative folder (a settings file
/// edited by hand must not send the search outside the volume).
fn relative_part(folder: &Path) -> PathBuf {
    folder
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// The root of `path` (`/`, or `C:\` on Windows).
fn path_root(path: &Path) -> PathBuf {
    path.ancestors()
        .last()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf)
}

/// The label used when the file system has none: the mount point's name, else
/// the folder's.
fn default_label(root: &Path, folder: &Path) -> String {
    root.file_name().or_else(|| folder.file_name()).map_or_else(
        || root.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// The system's mount points (Linux: `/proc/self/mountinfo`; macOS: `/` and the
/// volumes under `/Volumes`; Windows: the drive letters present).
pub fn system_mounts() -> Vec<MountPoint> {
    #[cfg(target_os = "linux")]
    {
        fs::read_to_string("/proc/self/mountinfo")
            .map(|text| parse_mountinfo(&text))
            .unwrap_or_default()
    }
    #[cfg(target_os = "macos")]
    {
        let mut mounts = vec![plain_mount(PathBuf::from("/"))];
        if let Ok(entries) = fs::read_dir("/Volumes") {
            mounts.extend(entries.flatten().map(|e| plain_mount(e.path())));
        }
        mounts
    }
    #[cfg(windows)]
    {
        (b'A'..=b'Z')
            .map(|letter| PathBuf::from(format!("{}:\\", char::from(letter))))
            .filter(|p| p.exists())
            .map(plain_mount)
            .collect()
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
    {
        vec![plain_mount(PathBuf::from("/"))]
    }
}

#[cfg(not(target_os = "linux"))]
fn plain_mount(path: PathBuf) -> MountPoint {
    MountPoint {
        path,
        fs_type: String::new(),
        source: String::new(),
        device: None,
    }
}

/// Parses the lines of `/proc/self/mountinfo`:
/// `id parent major:minor root mount-point options [optional…] - type source super-options`.
/// Later lines win for the same mount point (they are mounted on top).
pub fn parse_mountinfo(text: &str) -> Vec<MountPoint> {
    let mut mounts: Vec<MountPoint> = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(dash) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        if dash < 6 || fields.len() < dash + 3 {
            continue;
        }
        let device = fields[2].split_once(':').and_then(|(major, minor)| {
            Some((major.parse::<u32>().ok()?, minor.parse::<u32>().ok()?))
        });
        let mount = MountPoint {
            path: PathBuf::from(unescape_octal(fields[4])),
            fs_type: unescape_octal(fields[dash + 1]),
            source: unescape_octal(fields[dash + 2]),
            device,
        };
        mounts.retain(|m| m.path != mount.path);
        mounts.push(mount);
    }
    mounts
}

/// Undoes the octal escapes of mountinfo (`\040` space, `\011` tab, `\012`
/// newline, `\134` backslash).
pub fn unescape_octal(field: &str) -> String {
    unescape_bytes(field, |rest| {
        let digits = rest.get(..3)?;
        if digits.iter().all(|d| (b'0'..=b'7').contains(d)) {
            let value = digits
                .iter()
                .fold(0_u32, |acc, d| acc * 8 + u32::from(d - b'0'));
            u8::try_from(value).ok().map(|b| (b, 3))
        } else {
            None
        }
    })
}

/// Undoes the `\xHH` escapes of udev's `/dev/disk/by-label` names.
fn unescape_hex(field: &str) -> String {
    unescape_bytes(field, |rest| {
        let (x, digits) = rest.split_first()?;
        let digits = digits.get(..2)?;
        if *x != b'x' {
            return None;
        }
        let text = std::str::from_utf8(digits).ok()?;
        u8::from_str_radix(text, 16).ok().map(|b| (b, 3))
    })
}

/// Replaces each backslash escape that `decode` understands (given the bytes
/// after the backslash, it returns the byte and how many bytes it used).
fn unescape_bytes(field: &str, decode: impl Fn(&[u8]) -> Option<(u8, usize)>) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && let Some((byte, used)) = decode(&bytes[i + 1..])
        {
            out.push(byte);
            i += 1 + used;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The label of the file system mounted at `mount`, from udev's
/// `/dev/disk/by-label` links (Linux only; `None` elsewhere or without label).
fn file_system_label(mount: &MountPoint) -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        let entries = fs::read_dir("/dev/disk/by-label").ok()?;
        let source = fs::canonicalize(&mount.source).ok();
        for entry in entries.flatten() {
            let target = entry.path();
            let same_device = mount.device.is_some_and(|(major, minor)| {
                rustix::fs::stat(&target).is_ok_and(|st| {
                    rustix::fs::major(st.st_rdev) == major && rustix::fs::minor(st.st_rdev) == minor
                })
            });
            let same_source = source
                .as_ref()
                .is_some_and(|s| fs::canonicalize(&target).is_ok_and(|t| &t == s));
            if same_device || same_source {
                return Some(unescape_hex(&entry.file_name().to_string_lossy()));
            }
        }
        None
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = mount;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backup::archive::sha256_file;
    use crate::backup::destination::archive_name;

    fn search(roots: &[&Path]) -> VolumeSearch {
        VolumeSearch {
            extra_roots: roots.iter().map(|r| r.to_path_buf()).collect(),
        }
    }

    #[test]
    fn mark_then_locate_even_after_the_volume_moved() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dir = fs::canonicalize(dir.path()).expect("canonical");
        let root_a = dir.join("CLE-PAIE");
        let folder = root_a.join("Sauvegardes").join("Paie");
        fs::create_dir_all(&folder).expect("folder");

        let settings = mark(&folder, &search(&[&root_a])).expect("mark");
        assert_eq!(settings.folder, Path::new("Sauvegardes").join("Paie"));
        assert_eq!(settings.volume_label, "CLE-PAIE");
        assert!(uuid::Uuid::parse_str(&settings.volume_id).is_ok());
        let marker = read_marker(&folder).expect("marker written");
        assert_eq!(marker.volume_id, settings.volume_id);
        // Marking again keeps the identity.
        assert_eq!(
            mark(&folder, &search(&[&root_a])).expect("again").volume_id,
            settings.volume_id
        );

        let mut found = locate(&settings, &search(&[&root_a])).expect("found");
        assert_eq!(found.folder(), folder);
        let said = crate::messages::place(&found.place());
        assert!(said.contains("CLE-PAIE"), "{said}");
        let local = dir.join("local.iea.zip");
        fs::write(&local, b"archive").expect("local");
        let sha = sha256_file(&local).expect("hash");
        let at = chrono::NaiveDate::from_ymd_opt(2025, 1, 5)
            .expect("date")
            .and_hms_opt(23, 0, 0)
            .expect("time");
        let name = archive_name("Hebdo", at);
        found.put(&local, &name, &sha, &Cancel::new()).expect("put");

        // The key is plugged in elsewhere: another mount point.
        let root_b = dir.join("media").join("usb0");
        fs::create_dir_all(root_b.parent().expect("parent")).expect("media");
        fs::rename(&root_a, &root_b).expect("move");
        assert!(matches!(
            locate(&settings, &search(&[&root_a])),
            Err(DestinationError::VolumeAbsent { ref label }) if label == "CLE-PAIE"
        ));
        let mut moved = locate(&settings, &search(&[&root_a, &root_b])).expect("found again");
        assert_eq!(moved.folder(), root_b.join("Sauvegardes").join("Paie"));
        assert_eq!(moved.list("Hebdo").expect("list")[0].name, name);

        // Unplugged while in use: the volume is absent, not a "missing folder".
        fs::remove_dir_all(&root_b).expect("unplug");
        assert!(matches!(
            moved.list("Hebdo"),
            Err(DestinationError::VolumeAbsent { .. })
        ));
    }

    #[test]
    fn another_volume_with_the_same_folder_is_not_taken() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("AUTRE-CLE");
        let folder = root.join("Sauvegardes");
        fs::create_dir_all(&folder).expect("folder");
        let settings = mark(&folder, &search(&[&root])).expect("mark");
        let other = VolumeMarker {
            volume_id: uuid::Uuid::new_v4().to_string(),
            label: "AUTRE-CLE".to_owned(),
            created_at: Utc::now(),
        };
        fs::write(
            folder.join(MARKER_FILE),
            serde_json::to_vec(&other).expect("json"),
        )
        .expect("overwrite marker");
        match locate(&settings, &search(&[&root])) {
            Err(DestinationError::VolumeAbsent { label }) => {
                assert_eq!(label, settings.volume_label);
            }
            other => panic!("expected an absent volume, got {other:?}"),
        }
        // A garbled marker is no marker.
        fs::write(folder.join(MARKER_FILE), b"{ pas du json").expect("garble");
        assert!(find_volume(&settings, std::slice::from_ref(&root)).is_none());
        // Marking again replaces it with a new identity.
        let again = mark(&folder, &search(&[&root])).expect("mark again");
        assert_ne!(again.volume_id, settings.volume_id);
    }

    #[test]
    fn marking_a_missing_folder_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let folder = dir.path().join("absent");
        assert!(matches!(
            mark(&folder, &search(&[dir.path()])),
            Err(DestinationError::Missing { .. })
        ));
        assert!(!folder.exists());
    }

    #[test]
    fn the_containing_root_is_the_longest_by_components() {
        let roots: Vec<PathBuf> = ["/", "/media/usb", "/media/usb2", "/media"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let root = |p: &str| containing_root(Path::new(p), &roots).map(Path::to_path_buf);
        assert_eq!(
            root("/media/usb2/Sauvegardes"),
            Some(PathBuf::from("/media/usb2"))
        );
        assert_eq!(
            root("/media/usb/Sauvegardes"),
            Some(PathBuf::from("/media/usb"))
        );
        assert_eq!(root("/media/usb"), Some(PathBuf::from("/media/usb")));
        assert_eq!(root("/media/usb3/x"), Some(PathBuf::from("/media")));
        assert_eq!(root("/home/marie"), Some(PathBuf::from("/")));
        assert_eq!(containing_root(Path::new("relatif"), &roots), None);
    }

    #[test]
    fn mountinfo_is_parsed_and_unescaped() {
        let text = "\
22 1 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw
28 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro
95 28 8:17 / /media/marie/CLE\\040PAIE rw,nosuid,nodev,relatime shared:50 - vfat /dev/sdb1 rw,fmask=0022
96 28 0:50 / /mnt/partage rw,relatime shared:51 - cifs //serveur/paie rw
97 28 8:33 / /media/back\\134slash rw - exfat /dev/sdc1 rw
bad line without separator
";
        let mounts = parse_mountinfo(text);
        assert_eq!(mounts.len(), 5);
        let key = &mounts[2];
        assert_eq!(key.path, PathBuf::from("/media/marie/CLE PAIE"));
        assert_eq!(key.fs_type, "vfat");
        assert_eq!(key.source, "/dev/sdb1");
        assert_eq!(key.device, Some((8, 17)));
        assert_eq!(mounts[4].path, PathBuf::from("/media/back\\slash"));
        assert!(mounts[0].is_pseudo());
        assert!(mounts[3].is_network());

        let roots = candidate_roots(&search(&[Path::new("/extra")]), &mounts);
        assert_eq!(
            roots,
            [
                "/extra",
                "/",
                "/media/marie/CLE PAIE",
                "/media/back\\slash",
                "/mnt/partage"
            ]
            .iter()
            .map(PathBuf::from)
            .collect::<Vec<_>>(),
            "extra roots first, no /proc, network shares last"
        );
        assert_eq!(unescape_octal("a\\011b\\012c"), "a\tb\nc");
        assert_eq!(unescape_octal("trailing\\04"), "trailing\\04");
        assert_eq!(unescape_hex("CLE\\x20PAIE"), "CLE PAIE");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_system_table_lists_the_root() {
        let mounts = system_mounts();
        assert!(
            mounts.iter().any(|m| m.path == Path::new("/")),
            "{mounts:?}"
        );
    }

    #[test]
    fn extra_roots_come_from_the_environment_variable() {
        // Read only here; the variable is set by whoever starts the program.
        let search = VolumeSearch::from_env();
        match std::env::var_os(EXTRA_ROOTS_VAR) {
            None => assert!(search.extra_roots.is_empty()),
            Some(v) => assert_eq!(
                search.extra_roots,
                std::env::split_paths(&v)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect::<Vec<_>>()
            ),
        }
        assert!(VolumeSearch::system().extra_roots.is_empty());
    }
}
