//! Entry of `iea-maintenance`. Without argument it is the resident service (tray
//! icon); the commands open the maintenance centre, build a demo store, print the
//! status, diagnose the store, run backups and closings (see `cli`). Exit status:
//! 0 success, 1 failure, 2 bad usage.
//!
//! Everything happens in the library's `cli` module (`cli::entry`): the
//! arguments are parsed, the log started, the command run, and its error
//! printed once.

use std::process::ExitCode;

use iea_maintenance::cli;

fn main() -> ExitCode {
    cli::entry()
}
