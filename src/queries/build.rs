//! Build script: lists the extraction queries of `src/queries/catalogue/` so
//! that adding a query is adding one `.sql` file. It writes
//! `$OUT_DIR/catalogue.rs`, an array of `(file name, include_str!(…))` sorted
//! by file name, which `src/queries/catalogue.rs` includes; the files are
//! parsed and checked at start and by the tests, not here.

use std::fmt::Write as _;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let dir = manifest.join("src/queries/catalogue");
    // A new or removed file changes the folder's listing, so this reruns.
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("src/queries/catalogue")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    let mut out = String::from("&[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let name = file
            .file_name()
            .expect("file name")
            .to_string_lossy()
            .into_owned();
        let _ = writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            file.display().to_string()
        );
    }
    out.push(']');
    let target = PathBuf::from(std::env::var_os("OUT_DIR").expect("out dir")).join("catalogue.rs");
    std::fs::write(target, out).expect("write catalogue.rs");
}
