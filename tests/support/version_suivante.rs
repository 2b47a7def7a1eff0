//! The program itself, built to report the next version (3.2.0): the binary
//! the update tests put in a package, sign with the test key and install over
//! the program. Same code, same schema; only the version it gives differs.

use std::process::ExitCode;

fn main() -> ExitCode {
    iea_maintenance::updates::set_program_version("3.2.0");
    iea_maintenance::cli::entry()
}
