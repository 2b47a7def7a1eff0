//! « Actualiser »: the manifest is refused before any use when its signature,
//! its sequence or its expiry say so, and accepted when signed with the test
//! key, prehashed or not, by this program's signer or by the public `minisign`
//! tool; it goes through the proxy of the connection settings.

use chrono::{Duration, Utc};
use iea_maintenance::updates::manifest::{self, ManifestError, Refusal};
use iea_maintenance::updates::{UpdateDirs, program_version};

use crate::updates::{
    TestKey, UpdatePeer, Workstation, fresh_manifest, manifest as manifest_of, release, stderr,
    stdout,
};

fn one_release(sequence: u64) -> Vec<u8> {
    fresh_manifest(sequence, &[release("3.2.0", "paquet.zip", b"paquet")])
}

/// What « Actualiser » answers on `ws` now.
fn refresh(ws: &Workstation) -> Result<manifest::Accepted, ManifestError> {
    manifest::refresh(&ws.home, Utc::now())
}

/// The refusal of `result`, or a panic saying what came instead.
fn refusal(result: Result<manifest::Accepted, ManifestError>) -> Refusal {
    match result {
        Err(ManifestError::Refused { refusal, .. }) => refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Nothing of a refused manifest was kept: no manifest, and the highest
/// sequence unchanged.
fn nothing_kept(ws: &Workstation, highest: u64) {
    assert_eq!(manifest::highest_accepted(&ws.home), highest);
    if highest == 0 {
        assert!(!UpdateDirs::of(&ws.home).manifest_file().exists());
    }
}

#[test]
fn a_manifest_signed_with_the_test_key_is_accepted_prehashed_or_not() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let key = TestKey::project();
    let bytes = one_release(41);
    peer.publish_signed(&bytes, &key.sign(&bytes, "sequence:41", false));
    let accepted = refresh(&ws).expect("legacy signature");
    assert_eq!(accepted.manifest.sequence, 41);
    assert_eq!(accepted.key, "test");
    let bytes = one_release(42);
    peer.publish(&bytes, &key);
    let accepted = refresh(&ws).expect("prehashed signature");
    assert_eq!(
        accepted.manifest.newest().map(|r| r.version.as_str()),
        Some("3.2.0")
    );
    assert_eq!(manifest::highest_accepted(&ws.home), 42);
    // The same manifest again is no replay.
    refresh(&ws).expect("same sequence again");
}

#[test]
fn a_wrong_signature_is_refused_before_any_use() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let key = TestKey::project();
    let bytes = one_release(7);
    let mut signature = key.sign(&bytes, "sequence:7", true);
    // One character of the signature changed.
    let second = signature.lines().nth(1).expect("line").to_owned();
    let mut changed = second.clone().into_bytes();
    changed[20] = if changed[20] == b'A' { b'B' } else { b'A' };
    signature = signature.replace(&second, &String::from_utf8(changed).expect("ascii"));
    peer.publish_signed(&bytes, &signature);
    assert_eq!(refusal(refresh(&ws)), Refusal::BadSignature);
    nothing_kept(&ws, 0);

    // A key this build does not trust.
    peer.publish(&bytes, &TestKey::unknown());
    assert_eq!(refusal(refresh(&ws)), Refusal::UnknownKey);
    nothing_kept(&ws, 0);

    // Not a signature at all.
    peer.publish_signed(&bytes, "ceci n'est pas une signature\n");
    assert_eq!(refusal(refresh(&ws)), Refusal::SignatureUnreadable);
    nothing_kept(&ws, 0);
}

#[test]
fn the_signature_of_another_manifest_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let key = TestKey::project();
    let genuine = one_release(9);
    let signature = key.sign(&genuine, "sequence:9", true);
    // Same sequence, another package: its signature is not this one's.
    let forged = fresh_manifest(9, &[release("3.2.0", "autre.zip", b"autre chose")]);
    peer.publish_signed(&forged, &signature);
    assert_eq!(refusal(refresh(&ws)), Refusal::BadSignature);
    nothing_kept(&ws, 0);
}

#[test]
fn a_trusted_comment_that_is_not_the_sequence_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = one_release(12);
    peer.publish_signed(
        &bytes,
        &TestKey::project().sign(&bytes, "sequence:13", true),
    );
    assert!(matches!(
        refusal(refresh(&ws)),
        Refusal::CommentMismatch { sequence: 12, .. }
    ));
    nothing_kept(&ws, 0);
}

#[test]
fn a_lower_sequence_is_a_replay_and_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let key = TestKey::project();
    peer.publish(&one_release(20), &key);
    refresh(&ws).expect("sequence 20");
    // An older manifest, genuinely signed: a mirror replaying it.
    peer.publish(&one_release(19), &key);
    assert_eq!(
        refusal(refresh(&ws)),
        Refusal::Replay {
            sequence: 19,
            highest: 20
        }
    );
    nothing_kept(&ws, 20);
    let kept = manifest::last_accepted(&ws.home, Utc::now())
        .expect("read")
        .expect("kept");
    assert_eq!(kept.manifest.sequence, 20, "the accepted one stays");
}

#[test]
fn an_expired_manifest_is_refused() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let bytes = manifest_of(
        30,
        Utc::now() - Duration::hours(1),
        &[release("3.2.0", "paquet.zip", b"paquet")],
    );
    peer.publish(&bytes, &TestKey::project());
    assert!(matches!(refusal(refresh(&ws)), Refusal::Expired { .. }));
    nothing_kept(&ws, 0);
}

#[test]
fn the_command_line_lists_the_releases_and_explains_a_refusal() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let key = TestKey::project();
    let bytes = fresh_manifest(
        50,
        &[
            release("3.2.0", "a.zip", b"a"),
            release("3.0.5", "b.zip", b"b"),
            release(program_version(), "c.zip", b"c"),
        ],
    );
    peer.publish(&bytes, &key);
    let out = ws.run(&["update", "check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("Version installée : 3.1.0"), "{text}");
    assert!(
        text.contains("3.2.0 – 02/11/2026 – Mise à jour 3.2.0 (disponible)"),
        "{text}"
    );
    assert!(
        text.contains("3.1.0 – 02/11/2026 – Mise à jour 3.1.0 (installée)"),
        "{text}"
    );
    assert!(
        text.contains("3.0.5 – 02/11/2026 – Mise à jour 3.0.5 (plus ancienne)"),
        "{text}"
    );
    let out = ws.run(&["update", "check", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["newest"], "3.2.0");
    assert_eq!(json["sequence"], 50);
    assert_eq!(json["releases"][0]["newer"], true);

    peer.publish(&fresh_manifest(49, &[]), &key);
    let out = ws.run(&["update", "check"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("Liste des mises à jour refusée"), "{err}");
    assert!(
        err.contains("c'est une ancienne liste des mises à jour (numéro 49"),
        "{err}"
    );
    let out = ws.run(&["update", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json error");
    assert_eq!(json["error"]["title"], "Liste des mises à jour refusée");
    // The refusal is in the log.
    let logs = std::fs::read_dir(ws.home.logs_dir())
        .expect("logs")
        .map(|e| std::fs::read_to_string(e.expect("entry").path()).unwrap_or_default())
        .collect::<String>();
    assert!(logs.contains("manifeste de mise à jour refusé"), "{logs}");
}

#[test]
fn a_manifest_signed_by_the_public_minisign_tool_is_accepted() {
    let Ok(version) = std::process::Command::new("minisign").arg("-v").output() else {
        panic!("minisign est introuvable : bash .ci/setup installe le paquet minisign");
    };
    assert!(version.status.success());
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    let dir = tempfile::tempdir().expect("tempdir");
    let bytes = one_release(60);
    let file = dir.path().join("manifest.json");
    std::fs::write(&file, &bytes).expect("manifest");
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/cles/test.key");
    let out = std::process::Command::new("minisign")
        .args(["-S", "-s"])
        .arg(&key)
        .arg("-m")
        .arg(&file)
        .args(["-t", "sequence:60"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("minisign -S");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let signature = std::fs::read_to_string(dir.path().join("manifest.json.minisig")).expect("sig");
    peer.publish_signed(&bytes, &signature);
    let accepted = refresh(&ws).expect("minisign's signature");
    assert_eq!(accepted.manifest.sequence, 60);
    // And the public tool verifies what our signer writes.
    let ours = TestKey::project().sign(&bytes, "sequence:60", true);
    std::fs::write(dir.path().join("manifest.json.minisig"), ours).expect("our signature");
    let out = std::process::Command::new("minisign")
        .arg("-V")
        .arg("-p")
        .arg(key.with_extension("pub"))
        .arg("-m")
        .arg(&file)
        .output()
        .expect("minisign -V");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_manifest_goes_through_the_proxy_of_the_connection_settings() {
    let peer = UpdatePeer::start();
    let ws = Workstation::new(&peer);
    peer.publish(&one_release(70), &TestKey::project());
    let proxy = crate::proxy::ConnectProxy::start();
    iea_maintenance::config::Config::modify(&ws.home, |c| {
        c.connection.kind = iea_maintenance::config::ConnectionKind::Proxy;
        c.connection.proxy.host = proxy.host();
        c.connection.proxy.port = proxy.port();
        Ok::<_, iea_maintenance::config::ConfigError>(())
    })
    .expect("proxy settings");
    refresh(&ws).expect("through the proxy");
    let authority = peer.url()["https://".len()..]
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned();
    let tunnels = proxy.requests();
    assert!(
        tunnels
            .iter()
            .any(|r| r.method == "CONNECT" && r.target == authority),
        "{tunnels:?}"
    );
}
