//! « Télécharger »: the package is checked for size and SHA-256 before it is
//! kept, a cut download resumes only on a 206 whose `Content-Range` matches,
//! and a server that answers 200 (or another range) makes it start again
//! cleanly from zero.

use chrono::Utc;
use iea_maintenance::jobs::{Cancel, NoProgress};
use iea_maintenance::updates::download::{self, DownloadError, Downloaded};
use iea_maintenance::updates::manifest::{self, UpdateClient};

use crate::updates::{
    Fault, TestKey, UpdatePeer, Workstation, fresh_manifest, release, release_with, sha256_hex,
    stderr, stdout,
};

/// A package of `len` bytes that no two offsets share by chance.
fn package(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
}

/// Publishes `release` for a package served as `paquet.zip`.
fn serve(peer: &UpdatePeer, release: serde_json::Value, bytes: Vec<u8>) {
    peer.put("paquet.zip", bytes);
    peer.publish(&fresh_manifest(5, &[release]), &TestKey::project());
}

fn try_download(ws: &Workstation) -> Result<Downloaded, DownloadError> {
    let client = UpdateClient::of_home(&ws.home).expect("client");
    let accepted = manifest::refresh_with(&ws.home, &client, Utc::now()).expect("manifest");
    let release = download::choose(&accepted, Some("3.2.0")).expect("release");
    download::download(
        &ws.home,
        &accepted,
        release,
        &client,
        &NoProgress,
        &Cancel::new(),
    )
}

fn downloads(ws: &Workstation) -> Vec<String> {
    let dir = iea_maintenance::updates::UpdateDirs::of(&ws.home).downloads_dir();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_package_is_kept_only_once_its_size_and_sha256_match() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(300_000);
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), bytes.clone());
    let done = try_download(&ws).expect("download");
    assert_eq!(std::fs::read(&done.path).expect("kept"), bytes);
    assert_eq!(done.sha256, sha256_hex(&bytes));
    assert_eq!(downloads(&ws), [download::package_file_name("3.2.0")]);
    // Asked again: checked again, not fetched again.
    let before = peer.requests_for("paquet.zip").len();
    assert!(try_download(&ws).expect("again").already_there);
    assert_eq!(peer.requests_for("paquet.zip").len(), before);
}

#[test]
fn a_wrong_size_is_refused_before_a_byte_is_kept() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(100_000);
    serve(
        &peer,
        release_with("3.2.0", "paquet.zip", 99_000, &sha256_hex(&bytes)),
        bytes,
    );
    match try_download(&ws) {
        Err(DownloadError::SizeMismatch { expected, found }) => {
            assert_eq!((expected, found), (99_000, 100_000));
        }
        other => panic!("expected a size refusal, got {other:?}"),
    }
    assert!(downloads(&ws).is_empty(), "{:?}", downloads(&ws));
}

#[test]
fn a_truncated_package_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(100_000);
    // The manifest describes the whole package; the server has only its start.
    serve(
        &peer,
        release("3.2.0", "paquet.zip", &bytes),
        bytes[..60_000].to_vec(),
    );
    assert!(matches!(
        try_download(&ws),
        Err(DownloadError::SizeMismatch {
            expected: 100_000,
            found: 60_000
        })
    ));
    assert!(downloads(&ws).is_empty(), "{:?}", downloads(&ws));
}

#[test]
fn a_wrong_sha256_is_refused_and_the_file_removed() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(100_000);
    let mut other = bytes.clone();
    other[50_000] ^= 0xff;
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), other);
    assert!(matches!(
        try_download(&ws),
        Err(DownloadError::ShaMismatch { .. })
    ));
    assert!(downloads(&ws).is_empty(), "{:?}", downloads(&ws));
}

#[test]
fn a_cut_download_resumes_on_a_matching_206() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(1_000_000);
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), bytes.clone());
    peer.set_fault(Fault::CutAfter(400_000));
    match try_download(&ws) {
        Err(DownloadError::Interrupted { done, size, .. }) => {
            assert!(done > 0 && done <= 400_000, "{done}");
            assert_eq!(size, 1_000_000);
        }
        other => panic!("expected an interruption, got {other:?}"),
    }
    let kept = downloads(&ws);
    assert!(
        kept.iter()
            .any(|n| n.to_ascii_lowercase().ends_with(".part")),
        "{kept:?}"
    );
    let done = try_download(&ws).expect("resumed");
    assert!(done.resumed_from > 0 && !done.restarted, "{done:?}");
    assert_eq!(std::fs::read(&done.path).expect("kept"), bytes);
    let asks = peer.requests_for("paquet.zip");
    let last = asks.last().expect("request");
    assert_eq!(
        last.header("Range"),
        Some(format!("bytes={}-", done.resumed_from).as_str())
    );
    assert!(last.header("If-Range").is_some(), "If-Range with the ETag");
    assert_eq!(downloads(&ws), [download::package_file_name("3.2.0")]);
}

#[test]
fn a_server_answering_200_to_a_range_makes_the_download_start_again_cleanly() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(1_000_000);
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), bytes.clone());
    peer.set_fault(Fault::CutAfter(300_000));
    assert!(try_download(&ws).is_err());
    peer.set_fault(Fault::IgnoreRange);
    let done = try_download(&ws).expect("restarted");
    assert!(done.restarted, "{done:?}");
    assert_eq!(done.resumed_from, 0);
    // Not the start appended twice: exactly the package.
    assert_eq!(std::fs::read(&done.path).expect("kept"), bytes);
}

#[test]
fn a_206_of_another_range_is_not_appended() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(1_000_000);
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), bytes.clone());
    peer.set_fault(Fault::CutAfter(300_000));
    assert!(try_download(&ws).is_err());
    peer.set_fault(Fault::WrongContentRange);
    let done = try_download(&ws).expect("asked whole again");
    assert!(done.restarted);
    assert_eq!(std::fs::read(&done.path).expect("kept"), bytes);
}

#[test]
fn the_command_line_downloads_and_says_a_refusal() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = package(200_000);
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), bytes.clone());
    let out = ws.run(&["update", "download"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("La mise à jour 3.2.0 a été téléchargée et vérifiée (taille et SHA-256)"),
        "{}",
        stdout(&out)
    );
    let other = package(200_001);
    let ws = Workstation::new(&peer);
    serve(&peer, release("3.2.0", "paquet.zip", &bytes), other);
    let out = ws.run(&["update", "download", "3.2.0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("Paquet refusé"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("n'a pas la taille annoncée"),
        "{}",
        stderr(&out)
    );
}
