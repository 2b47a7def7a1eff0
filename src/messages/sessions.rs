//! The sessions of the payroll program in French: "Déconnecter" and why it
//! refused.

use super::{Explanation, store_error};
use crate::store::sessions::{DisconnectError, SessionInfo};

/// Who holds a session: "Dupont sur POSTE-COMPTA".
pub fn session_who(session: &SessionInfo) -> String {
    format!("{} sur {}", session.user_name, session.hostname)
}

/// "La session de Dupont sur POSTE-COMPTA a été fermée."
pub fn session_closed(session: &SessionInfo) -> String {
    format!("La session de {} a été fermée.", session_who(session))
}

/// Why a session was not closed, and what to do.
pub fn disconnect_error(e: &DisconnectError) -> Explanation {
    match e {
        DisconnectError::Unknown { id } => Explanation {
            title: "Session introuvable".to_owned(),
            what: format!("Aucune session n'a le numéro {id} : elle a sans doute déjà été fermée."),
            why: String::new(),
            todo: "Affichez de nouveau la liste des sessions (« iea-maintenance sessions list » \
                   en ligne de commande)."
                .to_owned(),
            details: format!("session {id}"),
        },
        DisconnectError::Active { session } => Explanation {
            title: "Session active".to_owned(),
            what: format!(
                "La session de {} est active : son dernier signe de vie date de moins de 5 \
                 minutes. Elle n'a pas été fermée.",
                session_who(session)
            ),
            why: "Fermer la session de quelqu'un qui travaille lui ferait perdre sa saisie."
                .to_owned(),
            todo: format!(
                "Demandez à {} de quitter Impact emploi. « Déconnecter » ne sert qu'aux \
                 sessions restées ouvertes après un arrêt brutal du poste.",
                session.user_name
            ),
            details: format!(
                "session {}, dernier signe de vie {}",
                session.id, session.heartbeat_at
            ),
        },
        DisconnectError::Store(e) => store_error(e),
    }
}
