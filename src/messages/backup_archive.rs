//! French sentences for backup archives: making one from the live store
//! (snapshot, integrity check, compression) and reading one back before a
//! restore (manifest, SHA-256, integrity, schema version).
//!
//! The same error may come from a backup or from a restore, so each sentence
//! says what was (not) touched in both cases: a failed backup never leaves a
//! half-written archive, and a refused archive never touches the current store.

use super::{Explanation, TODO_DISK_FULL, TODO_UPDATE, explain, store_fault, system_error};
use crate::backup::archive::{ArchiveError, ArchiveFault, ArchiveFaultKind};
use crate::fsutil;

const NOTHING_TOUCHED: &str = "Votre base de données n'a pas été modifiée, et les fichiers en \
     cours d'écriture ont été supprimés.";

const TODO_RETRY: &str = "Recommencez. Si le problème persiste, cliquez sur « Diagnostiquer » \
     dans le centre de maintenance et contactez votre informaticien en lui donnant le rapport \
     et les détails ci-dessous.";

/// An archive error in French.
pub fn archive_error(e: &ArchiveError) -> Explanation {
    archive_fault(&e.fault())
}

/// An archive error kept as a fact, in French.
pub fn archive_fault(f: &ArchiveFault) -> Explanation {
    use ArchiveFaultKind as K;
    let technical = format!("Message technique : {}", f.technical);
    match &f.kind {
        K::Open { store, .. } => {
            let mut x = store_fault(store);
            x.why = format!(
                "{} Aucune sauvegarde n'a pu être faite ni restaurée.",
                x.why.trim_end()
            );
            x
        }
        K::Snapshot { detail } => explain(
            "Copie de la base impossible",
            "Impact emploi n'a pas pu faire une copie cohérente de la base de données pour la \
             sauvegarde : la base est restée bloquée par un autre programme, ou une erreur \
             inattendue s'est produite.",
            "Aucune sauvegarde n'a été faite ; votre base de données n'a pas été modifiée et \
             les sauvegardes précédentes restent en place.",
            "Recommencez la sauvegarde un peu plus tard, quand la base est moins sollicitée \
             (par exemple en dehors des heures de saisie). Si le problème persiste, cliquez sur \
             « Diagnostiquer » et contactez votre informaticien en lui donnant le rapport.",
            format!("Détail : {detail}\n{technical}"),
        ),
        K::Damaged { problems } => explain(
            super::TITLE_DAMAGED_STORE,
            "Le contrôle d'intégrité a trouvé des dégâts dans la base de données vérifiée.",
            "Une base endommagée ne doit ni être sauvegardée — la sauvegarde remplacerait \
             peu à peu les bonnes — ni être restaurée. S'il s'agissait d'une sauvegarde, votre \
             base actuelle n'a pas été touchée ; s'il s'agissait de votre base actuelle, \
             aucune sauvegarde n'en a été faite et les sauvegardes précédentes restent en \
             place.",
            "Si c'est votre base actuelle : ne continuez pas à travailler dessus, cliquez sur \
             « Diagnostiquer », puis restaurez la dernière sauvegarde et vérifiez les paies \
             saisies depuis. Si c'est une sauvegarde : choisissez-en une autre (la précédente \
             du même script). Dans les deux cas, contactez votre informaticien ou \
             l'assistance en leur donnant les détails.",
            format!(
                "Problèmes signalés par SQLite :\n{}\n{technical}",
                problems.join("\n")
            ),
        ),
        K::NotAStore => explain(
            super::TITLE_NOT_RECOGNISED,
            "La base de données contenue dans cette sauvegarde n'est pas une base Impact \
             emploi : elle appartient sans doute à un autre logiciel.",
            "Impact emploi ne peut rien en faire ; votre base actuelle n'a pas été touchée.",
            "Choisissez une sauvegarde faite par Impact emploi.",
            technical,
        ),
        K::TooNew { found, supported } => explain(
            "Sauvegarde trop récente",
            format!(
                "Cette sauvegarde a été faite avec une version plus récente d'Impact emploi \
                 (version de base {found} ; ce programme connaît jusqu'à la version \
                 {supported})."
            ),
            "La restaurer avec ce programme risquerait d'abîmer des données qu'il ne connaît \
             pas : elle a été refusée, et votre base actuelle n'a pas été touchée.",
            TODO_UPDATE,
            technical,
        ),
        K::NotAnArchive { path, detail } => explain(
            super::TITLE_NOT_RECOGNISED,
            format!(
                "Le fichier « {} » n'est pas une sauvegarde Impact emploi : ce n'est pas une \
                 archive zip, ou son manifeste est absent ou illisible.",
                path.display()
            ),
            "Impact emploi ne peut rien en restaurer ; il ne l'a pas modifié, et votre base \
             actuelle n'a pas été touchée.",
            "Choisissez une sauvegarde faite par Impact emploi (son nom se termine par \
             « .iea.zip »). Si ce fichier en était bien une, il est endommagé : choisissez-en \
             une autre.",
            format!(
                "Fichier : {}\nDétail : {detail}\n{technical}",
                path.display()
            ),
        ),
        K::Corrupt { path, detail } => explain(
            "Sauvegarde endommagée",
            format!(
                "La sauvegarde « {} » est endommagée : son contenu ne correspond plus à ce \
                 qui a été enregistré et vérifié au moment de la sauvegarde.",
                path.display()
            ),
            "Une sauvegarde endommagée ne doit pas être restaurée : elle a été refusée, et \
             votre base actuelle n'a pas été touchée.",
            "Choisissez une autre sauvegarde (la précédente du même script, par exemple). Si \
             plusieurs sauvegardes du même support sont endommagées, le support est peut-être \
             défectueux : faites une nouvelle sauvegarde sur un autre support et parlez-en à \
             votre informaticien.",
            format!(
                "Fichier : {}\nDétail : {detail}\n{technical}",
                path.display()
            ),
        ),
        K::Io { path, system } => explain(
            "Erreur de lecture ou d'écriture",
            format!(
                "Impact emploi n'a pas pu utiliser le fichier « {} ». {}",
                path.display(),
                system_error(*system)
            ),
            NOTHING_TOUCHED,
            TODO_RETRY,
            format!(
                "Fichier : {}\nErreur système : {}\n{technical}",
                path.display(),
                system_error(*system)
            ),
        ),
        K::NoSpace { path } => explain(
            super::TITLE_DISK_FULL,
            format!(
                "Le disque qui contient le dossier « {} » est plein : la copie n'a pas pu y \
                 être écrite en entier.",
                fsutil::parent_dir(path).display()
            ),
            NOTHING_TOUCHED,
            format!(
                "{TODO_DISK_FULL} S'il s'agit du dossier de préparation des sauvegardes, vous \
                 pouvez aussi en choisir un autre dans « Configurer les chemins »."
            ),
            format!(
                "Fichier : {}\nErreur système : {}\n{technical}",
                path.display(),
                system_error(crate::diagnostics::SystemError::StorageFull)
            ),
        ),
        K::Cancelled => explain(
            super::TITLE_CANCELLED,
            super::CANCELLED_AT_YOUR_REQUEST,
            NOTHING_TOUCHED,
            "",
            technical,
        ),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::store::StoreError;

    fn every_error() -> Vec<ArchiveError> {
        let path = PathBuf::from("/home/paie/Hebdo-20250101-230000.iea.zip");
        vec![
            ArchiveError::Open {
                path: path.clone(),
                source: StoreError::Locked { path: path.clone() },
            },
            ArchiveError::Snapshot {
                detail: "database is locked".to_owned(),
            },
            ArchiveError::Damaged {
                problems: vec!["Page 4: btreeInitPage() returns error code 11".to_owned()],
            },
            ArchiveError::NotAStore,
            ArchiveError::TooNew {
                found: 9,
                supported: 2,
            },
            ArchiveError::NotAnArchive {
                path: path.clone(),
                detail: "no manifeste.json".to_owned(),
            },
            ArchiveError::Corrupt {
                path: path.clone(),
                detail: "SHA-256 differs".to_owned(),
            },
            ArchiveError::Io {
                path: path.clone(),
                source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
            },
            ArchiveError::NoSpace { path },
            ArchiveError::Cancelled,
        ]
    }

    #[test]
    fn every_archive_error_has_french_text() {
        for e in every_error() {
            let x = archive_error(&e);
            assert!(!x.title.is_empty(), "{e:?}");
            assert!(!x.what.is_empty(), "{e:?}");
            assert!(!x.why.is_empty(), "{e:?}");
            assert!(!x.details.is_empty(), "{e:?}");
            if !matches!(e, ArchiveError::Cancelled) {
                assert!(!x.todo.is_empty(), "{e:?}");
            }
        }
    }

    #[test]
    fn damaged_and_too_new_say_what_was_kept() {
        let damaged = archive_error(&ArchiveError::Damaged {
            problems: vec!["row 3 missing from index".to_owned()],
        });
        assert!(damaged.details.contains("row 3 missing from index"));
        assert!(damaged.why.contains("aucune sauvegarde"));
        let too_new = archive_error(&ArchiveError::TooNew {
            found: 9,
            supported: 2,
        });
        assert!(too_new.what.contains("version de base 9"));
        assert!(too_new.why.contains("pas été touchée"));
    }
}
