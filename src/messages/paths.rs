//! The paths typed in the centre's fields, checked by [`fsutil::check_entry`]:
//! what is said under the field, once, for every screen that asks for a file or
//! a folder (the paths of the application, the certificate authority, a backup
//! file to restore).

use crate::fsutil::{EntryKind, EntryProblem};

use super::system_error;

/// What is said under a field whose path names what it must.
pub fn entry_found(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "Fichier trouvé.",
        EntryKind::Folder => "Dossier trouvé.",
    }
}

/// Why the path of a field does not name the `kind` it must, in one or two
/// French sentences.
pub fn entry_problem(kind: EntryKind, problem: EntryProblem) -> String {
    match (kind, problem) {
        (EntryKind::Folder, EntryProblem::Missing) => "Ce dossier n'existe pas.".to_owned(),
        (EntryKind::File, EntryProblem::Missing) => "Ce fichier est introuvable.".to_owned(),
        (EntryKind::Folder, EntryProblem::WrongKind) => {
            "Ce chemin désigne un fichier, pas un dossier.".to_owned()
        }
        (EntryKind::File, EntryProblem::WrongKind) => {
            "Ce chemin désigne un dossier, pas un fichier.".to_owned()
        }
        (EntryKind::Folder, EntryProblem::Denied) => "L'accès à ce dossier est refusé.".to_owned(),
        (EntryKind::File, EntryProblem::Denied) => "L'accès à ce fichier est refusé.".to_owned(),
        (EntryKind::Folder, EntryProblem::System(e)) => {
            format!("Ce dossier ne peut pas être lu. {}", system_error(e))
        }
        (EntryKind::File, EntryProblem::System(e)) => {
            format!("Ce fichier ne peut pas être lu. {}", system_error(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::SystemError;

    #[test]
    fn every_problem_reads_in_french_without_the_system_s_own_words() {
        assert_eq!(
            entry_problem(EntryKind::Folder, EntryProblem::Missing),
            "Ce dossier n'existe pas."
        );
        assert_eq!(
            entry_problem(EntryKind::File, EntryProblem::Missing),
            "Ce fichier est introuvable."
        );
        assert_eq!(
            entry_problem(EntryKind::File, EntryProblem::WrongKind),
            "Ce chemin désigne un dossier, pas un fichier."
        );
        let timed_out = entry_problem(
            EntryKind::Folder,
            EntryProblem::System(SystemError::TimedOut),
        );
        assert_eq!(
            timed_out,
            "Ce dossier ne peut pas être lu. Le délai d'attente est dépassé : aucune réponse."
        );
        assert_eq!(entry_found(EntryKind::Folder), "Dossier trouvé.");
    }
}
