//! The service's daily look for new versions, on a thread of its own: the
//! manifest is fetched once a day through the connection settings (refused as
//! "Actualiser" refuses it), and each new version raises one notification,
//! whose click opens "Gérer les mises à jour". Nothing is ever downloaded or
//! installed without a person's click.

use std::time::Duration;

use crate::home::Home;
use crate::updates::check::{CheckOutcome, check_if_due};

/// How often the thread asks whether a check is due (the check itself runs
/// once a day; a computer that slept checks soon after it wakes).
const WAKE_EVERY: Duration = Duration::from_mins(10);

/// Starts the daily check for the life of the process.
pub fn spawn(home: Home) -> std::io::Result<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("verification-mises-a-jour".into())
        .spawn(move || {
            loop {
                if let CheckOutcome::NewVersion(release) = check_if_due(&home, chrono::Utc::now()) {
                    crate::service::notify::new_version(&release);
                }
                std::thread::sleep(WAKE_EVERY);
            }
        })
}
