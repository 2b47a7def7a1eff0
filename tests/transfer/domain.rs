//! The job against the official tus server: a store arrives whole with its
//! metadata and receipt, and is not sent twice; an upload cut at half resumes
//! from the server's offset; a store changed after its compression is
//! compressed again before it is sent; a transfer not open says the server's
//! words.

use std::sync::Mutex;

use iea_maintenance::jobs::Cancel;
use iea_maintenance::transfer::state::TransferState;
use iea_maintenance::transfer::{
    NoTransferProgress, StepState, StoreRow, TransferError, TransferProgress, run,
};

use crate::support::https::Reply;
use crate::support::tus::CutRelay;
use crate::{LICENCE, World};

/// Keeps every row it is told.
#[derive(Default)]
struct Rows(Mutex<Vec<StoreRow>>);

impl TransferProgress for Rows {
    fn row(&self, _index: usize, row: &StoreRow) {
        self.0.lock().expect("lock").push(row.clone());
    }
}

/// Raises « Annuler » as soon as « T » starts.
struct StopAtUpload(Cancel);

impl TransferProgress for StopAtUpload {
    fn row(&self, _i: usize, row: &StoreRow) {
        if row.transfer == StepState::Running {
            self.0.cancel();
        }
    }
}

#[test]
fn a_store_arrives_whole_with_its_metadata_and_receipt_and_is_not_sent_twice() {
    let world = World::new(2_000);
    let rows = Rows::default();
    let report =
        run(&world.install.home, &world.request(), &rows, &Cancel::new()).expect("transfer");

    // The server has exactly the archive, with PROTOCOL.md's metadata.
    let uploads = world.tus.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    let upload = &uploads[0];
    let sent = &report.stores[0];
    assert_eq!(upload.received(), sent.size_bytes);
    assert_eq!(
        upload.sha256(),
        sent.sha256,
        "the file received is the archive"
    );
    assert_eq!(upload.metadata["sha256"], sent.sha256);
    assert_eq!(upload.metadata["store_name"], "impact-emploi.iea");
    let identity = iea_maintenance::installation::Installation::load(&world.install.home)
        .expect("identity")
        .expect("some");
    assert_eq!(
        upload.metadata["installation_id"],
        identity.installation_id.to_string()
    );
    assert!(upload.metadata["filename"].ends_with(".iea.zip"));

    // The completion call named it; its receipt is in the report.
    let completions = world.completions();
    assert_eq!(completions.len(), 1);
    let file = &completions[0]["files"][0];
    assert_eq!(file["sha256"], sent.sha256.as_str());
    assert_eq!(file["size"], sent.size_bytes);
    assert_eq!(file["store_name"], "impact-emploi.iea");
    assert!(
        file["upload_url"]
            .as_str()
            .expect("url")
            .ends_with(&upload.id)
    );
    assert_eq!(sent.receipt, "ACC-2026-01-7731");
    let status_call = world
        .auth
        .requests()
        .into_iter()
        .find(|r| r.method == "GET")
        .expect("status call");
    assert_eq!(status_call.header("X-Licence-Key"), Some(LICENCE));
    assert!(
        status_call
            .path
            .contains(&format!("installation_id={}", identity.installation_id))
    );

    // The rows went through « C » then « T », and the gauge reached the end.
    let seen = rows.0.lock().expect("lock").clone();
    let last = seen.last().expect("rows");
    assert_eq!(
        (last.compression, last.transfer),
        (StepState::Done, StepState::Done)
    );
    assert!(seen.iter().any(|r| r.transfer == StepState::Running));
    assert_eq!(last.gauge.done, sent.size_bytes);

    // A second « Transférer »: already received, nothing sent again.
    let again = run(
        &world.install.home,
        &world.request(),
        &NoTransferProgress,
        &Cancel::new(),
    )
    .expect("again");
    assert!(again.stores[0].already_received);
    assert_eq!(again.stores[0].receipt, sent.receipt);
    assert_eq!(world.tus.uploads().len(), 1, "no new upload");
    assert_eq!(world.completions().len(), 1, "no new completion");
}

#[test]
fn an_upload_cut_at_half_resumes_and_sends_less_than_1_2_times_the_file() {
    let world = World::new(60_000);
    // A first run that stops at « T », to know the archive's size.
    let cancel = Cancel::new();
    let stopped = run(
        &world.install.home,
        &world.request(),
        &StopAtUpload(cancel.clone()),
        &cancel,
    );
    assert!(
        matches!(stopped, Err(TransferError::Cancelled)),
        "{stopped:?}"
    );
    let state = TransferState::load(&world.install.home).expect("state");
    let size = state.stores[0]
        .archive
        .as_ref()
        .expect("archive kept")
        .size_bytes;
    assert!(size > 2 * 1024 * 1024, "a store of some size: {size}");

    // The relay cuts every connection once half the archive went through.
    let relay = CutRelay::start(world.tus.port(), size / 2);
    world.open(&format!("https://127.0.0.1:{}/files/", relay.port()));
    let report = run(
        &world.install.home,
        &world.request(),
        &NoTransferProgress,
        &Cancel::new(),
    )
    .expect("transfer after the cut");
    assert!(relay.cut(), "the connection was cut");
    let sent = &report.stores[0];
    assert_eq!(
        sent.size_bytes, size,
        "the archive was kept, not made again"
    );
    let uploads = world.tus.uploads();
    assert_eq!(uploads.len(), 1, "one upload, resumed");
    assert_eq!(uploads[0].sha256(), sent.sha256);
    let total = relay.client_bytes();
    assert!(
        (total as f64) < 1.2 * size as f64,
        "{total} bytes went out for an archive of {size}"
    );
}

#[test]
fn a_store_changed_after_its_compression_is_compressed_again_before_it_is_sent() {
    let world = World::new(2_000);
    let cancel = Cancel::new();
    // « Annuler » as « T » starts: the upload is created, nothing sent.
    let first = run(
        &world.install.home,
        &world.request(),
        &StopAtUpload(cancel.clone()),
        &cancel,
    );
    assert!(matches!(first, Err(TransferError::Cancelled)), "{first:?}");
    let before = TransferState::load(&world.install.home)
        .expect("state")
        .stores[0]
        .clone();
    let old_archive = before.archive.expect("archive");
    assert!(before.upload.is_some(), "the upload was created");
    assert_eq!(world.tus.uploads().len(), 1);

    // Someone changes the store, then makes a backup (the prerequisite).
    world.install.sql(
        "UPDATE employees SET first_name = 'Léa' WHERE id = 1;
         INSERT INTO audit_log (at, actor, action, detail)
           VALUES (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), 'dupont', 'salarie', 'Prénom corrigé');",
    );
    world.backup_now();
    let report = run(
        &world.install.home,
        &world.request(),
        &NoTransferProgress,
        &Cancel::new(),
    )
    .expect("transfer");
    let sent = &report.stores[0];
    assert!(sent.recompressed, "the change was seen");
    assert_ne!(sent.sha256, old_archive.sha256);
    // What arrived is the new archive; the outdated upload was removed.
    let uploads = world.tus.uploads();
    assert_eq!(uploads.len(), 1, "{uploads:?}");
    assert_eq!(uploads[0].sha256(), sent.sha256);
    assert_eq!(uploads[0].received(), sent.size_bytes);
}

#[test]
fn a_transfer_not_open_says_the_server_s_words_and_sends_nothing() {
    let world = World::new(300);
    world.auth.route(
        "GET",
        "/api/v1/transfer",
        Reply::json(
            200,
            &serde_json::json!({"open": false, "message": "Votre reprise est prévue le 12 janvier."}),
        ),
    );
    let refused = run(
        &world.install.home,
        &world.request(),
        &NoTransferProgress,
        &Cancel::new(),
    );
    match refused {
        Err(TransferError::Closed { message }) => {
            assert_eq!(message, "Votre reprise est prévue le 12 janvier.");
            let said =
                iea_maintenance::messages::transfer_error(&TransferError::Closed { message });
            assert!(said.what.contains("12 janvier"), "{}", said.what);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(world.tus.uploads().is_empty());
}
