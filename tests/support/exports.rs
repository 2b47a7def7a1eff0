//! Reading the exports of « Extractions de données » with tools written
//! elsewhere: `tests/support/lire_export.py` (openpyxl, python-calamine,
//! Python's csv module, xml.etree) and `xmllint --schema`. A missing tool
//! fails the test, naming what to install (`bash .ci/setup`).

use std::path::Path;
use std::process::Command;

/// What `lire_export.py MODE FILE` found, as JSON.
pub fn read_export(mode: &str, file: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/lire_export.py");
    let out = Command::new("python3")
        .arg(&script)
        .arg(mode)
        .arg(file)
        .output()
        .expect("python3 (bash .ci/setup installs it)");
    assert!(
        out.status.success(),
        "lire_export.py {mode} failed (openpyxl and python-calamine: bash .ci/setup):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from lire_export.py")
}

/// Checks `file` against the schema shipped in `assets/` with xmllint;
/// returns xmllint's verdict on its standard error.
pub fn xmllint_valid(file: &Path) -> (bool, String) {
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/schemas/extraction.xsd");
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(file)
        .output()
        .expect("xmllint (Debian libxml2-utils: bash .ci/setup)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
