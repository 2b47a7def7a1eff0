//! The program itself, built to report the next version (3.2.0), whose
//! resident service does not come up: started without a command it stops at
//! once, as a release with a fault at start would. Its self-check passes, so
//! it is installed; the update tests check that the previous binary is then
//! put back by itself.

use std::process::ExitCode;

fn main() -> ExitCode {
    iea_maintenance::updates::set_program_version("3.2.0");
    if std::env::args_os().len() <= 1 {
        eprintln!("iea-maintenance 3.2.0 : le gestionnaire de services ne démarre pas");
        return ExitCode::from(70);
    }
    iea_maintenance::cli::entry()
}
