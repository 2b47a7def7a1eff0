//! The user accounts in French ("Comptes utilisateurs / Droits d'accès"): the
//! roles and rights in the words of the original product, the problems of the
//! form next to their fields, what a save, a removal or "Déconnecter" did and
//! why one was refused, and every answer of Net-entreprises to the blue ball
//! button, with what to do. Never a password, never the token.

use std::fmt::Write as _;

use super::connection::{french_time, lower_first};
use super::{Explanation, config_error, explain, job_error, server_problem, server_step};
use super::{secret_error, store_error};
use crate::accounts::net_entreprises::{
    AccountLine, LineOutcome, RecentTest, TestAllReport, TestError, Tested,
};
use crate::accounts::password::PasswordProblem;
use crate::accounts::{
    AccountError, AccountField, Change, Denied, EdgeSpaces, FieldIssue, FieldProblem, Level, Role,
    Saved, UserSummary,
};
use crate::connection::net_entreprises::CredentialVerdict;
use crate::store::sessions::SessionInfo;

/// The title of the screen, as the seed names the window.
pub const ACCOUNTS_TITLE: &str = "Comptes utilisateurs / Droits d'accès";

/// A role as the original product names it.
pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::Administrateur => "Administrateur",
        Role::Gestionnaire => "Gestionnaire",
        Role::Consultation => "Consultation",
    }
}

/// A right on a dossier.
pub fn level_label(level: Level) -> &'static str {
    match level {
        Level::Aucun => "Aucun accès",
        Level::Consultation => "Consultation",
        Level::Modification => "Modification",
    }
}

/// The words of a field of the form.
pub fn field_label(field: AccountField) -> &'static str {
    match field {
        AccountField::Login => "Utilisateur",
        AccountField::DisplayName => "Nom détaillé",
        AccountField::OldPassword => "Ancien mot de passe",
        AccountField::Password => "Mot de passe",
        AccountField::Confirmation => "Confirmer",
        AccountField::Siret => "SIRET",
        AccountField::LastName => "Nom",
        AccountField::FirstName => "Prénom",
        AccountField::NetPassword => "Mot de passe Net-entreprises",
    }
}

/// What is wrong with a field and what to do, for the line under it.
pub fn field_issue(field: AccountField, issue: FieldIssue) -> String {
    match issue {
        FieldIssue::Empty => match field {
            AccountField::OldPassword => "Tapez votre mot de passe actuel : il est demandé pour \
                                          changer le vôtre."
                .to_owned(),
            AccountField::NetPassword => "Tapez le mot de passe du compte Net-entreprises (aucun \
                                          n'est enregistré)."
                .to_owned(),
            _ => "Ce champ est obligatoire.".to_owned(),
        },
        FieldIssue::TooLong { max } => format!("{max} caractères au plus."),
        FieldIssue::LoginCharacters => "Le nom d'utilisateur ne doit ni commencer ni finir par \
                                        une espace, ni contenir de caractère invisible."
            .to_owned(),
        FieldIssue::LoginTaken => "Ce nom d'utilisateur existe déjà (sans tenir compte des \
                                   majuscules) : choisissez-en un autre."
            .to_owned(),
        FieldIssue::Password(PasswordProblem::TooShort { min }) => {
            format!("Le mot de passe doit avoir au moins {min} caractères.")
        }
        FieldIssue::Password(PasswordProblem::TooLong { max }) => {
            format!("Le mot de passe doit avoir au plus {max} caractères.")
        }
        FieldIssue::Password(PasswordProblem::Mismatch) => {
            "La confirmation ne correspond pas au mot de passe : tapez le même deux fois."
                .to_owned()
        }
        FieldIssue::SiretNotDigits => "Le SIRET ne contient que des chiffres : retirez les \
                                       espaces, points ou lettres."
            .to_owned(),
        FieldIssue::SiretLength { len } => {
            format!("Le SIRET a 14 chiffres ; {len} ont été tapés.")
        }
        FieldIssue::SiretKey => "Ces 14 chiffres ne forment pas un SIRET valide (leur clé de \
                                 contrôle ne correspond pas) : une faute de frappe est probable. \
                                 Recopiez-le depuis le portail Net-entreprises."
            .to_owned(),
    }
}

/// A problem of the form with the field it is about: "« SIRET » : …".
pub fn field_problem(p: &FieldProblem) -> String {
    format!(
        "« {} » : {}",
        field_label(p.field),
        field_issue(p.field, p.issue)
    )
}

/// The warning under a Net-entreprises field whose value starts or ends with
/// a space: it is kept, since the portal compares exactly, but it is usually a
/// mistake of a copy.
pub fn edge_spaces_warning(spaces: EdgeSpaces) -> String {
    let place = match (spaces.leading, spaces.trailing) {
        (true, true) => "commence et finit par une espace",
        (true, false) => "commence par une espace",
        _ => "finit par une espace",
    };
    format!(
        "Attention : ce champ {place}. Net-entreprises compare la saisie à l'identique : si \
         cette espace n'est pas dans vos identifiants du portail, retirez-la."
    )
}

/// Who acts, for the line at the top of the screen.
pub fn identified_line(display_name: &str, role: Role, acts_as_administrator: bool) -> String {
    if acts_as_administrator && role != Role::Administrateur {
        format!(
            "Identifié : {display_name} ({}, seul compte de cette installation : droits \
             d'administrateur)",
            role_label(role).to_lowercase()
        )
    } else {
        format!(
            "Identifié : {display_name} ({})",
            role_label(role).to_lowercase()
        )
    }
}

/// The sessions of an account in the list: "POSTE-COMPTA (dernier signe de
/// vie le 22/11/2026 à 09:58, active)".
pub fn session_line(s: &SessionInfo) -> String {
    format!("{} ({})", s.hostname, session_detail(s))
}

/// A session's last sign of life and whether it is alive, without its
/// workstation (shown beside it).
pub fn session_detail(s: &SessionInfo) -> String {
    format!(
        "dernier signe de vie le {}, {}",
        french_time(&s.heartbeat_at),
        if s.active { "active" } else { "interrompue" }
    )
}

/// What a save did.
pub fn saved_text(saved: &Saved) -> String {
    if saved.changes.is_empty() {
        return format!(
            "Aucune modification à enregistrer pour le compte « {} ».",
            saved.login
        );
    }
    if saved.changes.first() == Some(&Change::Created) {
        let mut text = format!("Le compte « {} » a été créé.", saved.login);
        if saved.changes.contains(&Change::NetEntreprises) {
            text.push_str(" Ses identifiants Net-entreprises sont enregistrés.");
        }
        return text;
    }
    let mut parts = Vec::new();
    let mut lowered = None;
    for c in &saved.changes {
        match c {
            Change::Created => {}
            Change::DisplayName => parts.push("nom détaillé".to_owned()),
            Change::Role { to, .. } => {
                parts.push(format!("rôle ({})", role_label(*to).to_lowercase()));
            }
            Change::Password => parts.push("mot de passe".to_owned()),
            Change::Rights { dossiers } => parts.push(if dossiers.len() == 1 {
                "droit d'accès".to_owned()
            } else {
                format!("droits d'accès ({} dossiers)", dossiers.len())
            }),
            Change::RightsLowered { dossiers } => lowered = Some(dossiers.join(", ")),
            Change::NetEntreprises => parts.push("identifiants Net-entreprises".to_owned()),
            Change::NetEntreprisesRemoved => {
                parts.push("identifiants Net-entreprises retirés".to_owned());
            }
        }
    }
    let mut text = format!(
        "Le compte « {} » a été enregistré : {}.",
        saved.login,
        parts.join(", ")
    );
    if let Some(dossiers) = lowered {
        let _ = write!(
            text,
            " Un compte de consultation ne modifie rien : ses droits de modification sont \
             devenus des droits de consultation ({dossiers})."
        );
    }
    text
}

/// "Le compte « dupont » (Claire Dupont) a été supprimé."
pub fn removed_text(user: &UserSummary) -> String {
    format!(
        "Le compte « {} » ({}) a été supprimé, avec ses droits et ses identifiants \
         Net-entreprises.",
        user.login, user.display_name
    )
}

/// What "Déconnecter" closed.
pub fn disconnected_text(closed: &[SessionInfo]) -> String {
    match closed {
        [one] => format!(
            "{} Vous pouvez relancer Impact emploi.",
            super::session_closed(one)
        ),
        many => format!(
            "{} sessions interrompues ont été fermées ({}). Vous pouvez relancer Impact emploi.",
            many.len(),
            many.iter()
                .map(|s| s.hostname.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Why an account could not be identified, saved, removed or disconnected.
pub fn account_error(e: &AccountError) -> Explanation {
    let plain = |title: &str, what: String, why: &str, todo: &str| {
        explain(title, what, why, todo, format!("Message technique : {e}"))
    };
    match e {
        AccountError::NotFound { login } => plain(
            "Compte introuvable",
            format!("Aucun compte n'a le nom d'utilisateur « {login} »."),
            "",
            "Vérifiez le nom (« iea-maintenance users list » les donne tous).",
        ),
        AccountError::Fields { problems } => explain(
            "Saisie à corriger",
            problems
                .iter()
                .map(field_problem)
                .collect::<Vec<_>>()
                .join("\n"),
            "Rien n'a été enregistré.",
            "Corrigez les champs indiqués, puis enregistrez de nouveau.",
            String::new(),
        ),
        AccountError::BadCredentials => plain(
            "Identification refusée",
            "Le nom d'utilisateur ou le mot de passe est incorrect.".to_owned(),
            "Les comptes utilisateurs ne se gèrent qu'une fois identifié.",
            "Tapez le nom et le mot de passe que vous utilisez pour ouvrir Impact emploi \
             (majuscules et minuscules comptent). Mot de passe oublié : un administrateur peut \
             vous en donner un nouveau.",
        ),
        AccountError::WrongOldPassword => plain(
            "Ancien mot de passe incorrect",
            "L'ancien mot de passe tapé n'est pas celui du compte.".to_owned(),
            "Votre mot de passe n'a pas été changé.",
            "Tapez votre mot de passe actuel dans « Ancien mot de passe ». Oublié : demandez à \
             un administrateur de vous en donner un nouveau.",
        ),
        AccountError::NotAllowed { what } => plain(
            "Action réservée aux administrateurs",
            match what {
                Denied::OtherAccount => "Seul un administrateur peut créer, supprimer ou \
                                         modifier le compte d'un autre utilisateur."
                    .to_owned(),
                Denied::Role => "Seul un administrateur peut changer un rôle.".to_owned(),
                Denied::Rights => {
                    "Seul un administrateur peut changer les droits d'accès.".to_owned()
                }
                Denied::ActorGone => "Le compte avec lequel vous êtes identifié n'existe plus \
                                      (il a été supprimé entre-temps)."
                    .to_owned(),
                Denied::NotFirstAccount => "Cette base a déjà des comptes : le premier compte a \
                                            été créé entre-temps."
                    .to_owned(),
            },
            "Rien n'a été modifié.",
            match what {
                Denied::ActorGone | Denied::NotFirstAccount => {
                    "Identifiez-vous de nouveau avec un compte existant."
                }
                _ => {
                    "Identifiez-vous avec un compte administrateur, ou demandez à un \
                     administrateur de faire la modification."
                }
            },
        ),
        AccountError::LastAdministrator { login } => plain(
            "Dernier administrateur",
            format!(
                "« {login} » est le dernier administrateur : il ne peut être ni supprimé ni \
                 changé de rôle."
            ),
            "Une installation garde toujours un administrateur, qui seul peut gérer les \
             comptes.",
            "Donnez d'abord le rôle « Administrateur » à un autre compte, puis recommencez.",
        ),
        AccountError::WithoutAdministrator => plain(
            "Administrateur nécessaire",
            "Cette installation n'a pas de compte administrateur : le nouveau compte doit être \
             administrateur."
                .to_owned(),
            "Le seul compte d'une installation sans administrateur en tient lieu ; dès qu'il y \
             a deux comptes, l'un doit être administrateur.",
            "Choisissez le rôle « Administrateur » pour ce compte, ou donnez d'abord ce rôle au \
             compte existant.",
        ),
        AccountError::LastAccount { login } => plain(
            "Dernier compte",
            format!(
                "« {login} » est le seul compte de cette installation : il ne peut pas être supprimé."
            ),
            "Sans compte, personne ne pourrait ouvrir Impact emploi.",
            "Créez d'abord un autre compte administrateur si celui-ci doit disparaître.",
        ),
        AccountError::AdministratorRights { login } => plain(
            "Droits d'un administrateur",
            format!("« {login} » est administrateur : il a tous les droits sur tous les dossiers."),
            "Ses droits ne se règlent pas dossier par dossier.",
            "Pour limiter ses droits, donnez-lui d'abord le rôle « Gestionnaire » ou \
             « Consultation ».",
        ),
        AccountError::ConsultationModifies { login, dossier } => plain(
            "Droit incompatible avec le rôle",
            format!(
                "« {login} » a le rôle « Consultation » : il ne peut pas avoir le droit \
                 « Modification » sur « {dossier} »."
            ),
            "Un compte de consultation lit les dossiers sans les modifier.",
            "Choisissez « Consultation » pour ce dossier, ou donnez-lui le rôle \
             « Gestionnaire ».",
        ),
        AccountError::UnknownDossier { name } => plain(
            "Dossier introuvable",
            format!("Aucun dossier de cette base ne s'appelle « {name} »."),
            "Un droit ne porte que sur un dossier qui existe.",
            "Vérifiez le nom du dossier (« iea-maintenance exercises list » les donne).",
        ),
        AccountError::InconsistentRight => plain(
            "Droit refusé par la base",
            "La base de données a refusé ce droit : il ne correspond pas au rôle du compte ou \
             à un dossier existant."
                .to_owned(),
            "La base garde ses droits cohérents, quel que soit le programme qui l'écrit ; rien \
             n'a été modifié.",
            "Affichez de nouveau la liste (un autre poste a peut-être modifié le compte), puis \
             recommencez.",
        ),
        AccountError::ActiveSession { login, session } => plain(
            "Compte en cours d'utilisation",
            format!(
                "« {login} » utilise Impact emploi en ce moment ({}) : le compte n'a pas été \
                 supprimé.",
                super::session_who(session)
            ),
            "Supprimer le compte de quelqu'un qui travaille lui ferait perdre sa saisie.",
            "Demandez-lui de quitter Impact emploi, puis recommencez.",
        ),
        AccountError::NoSession { login } => plain(
            "Aucune session",
            format!("Le compte « {login} » n'a aucune session ouverte sur la base."),
            "",
            "Rien à déconnecter : Impact emploi peut être relancé.",
        ),
        AccountError::Disconnect(e) => super::disconnect_error(e),
        AccountError::Secret(e) => secret_error(e),
        AccountError::Hash { detail } => explain(
            "Mot de passe non enregistré",
            "Le mot de passe n'a pas pu être chiffré.",
            "Rien n'a été modifié.",
            "Réessayez ; si cela se reproduit, contactez l'assistance.",
            detail.clone(),
        ),
        AccountError::Store(e) => store_error(e),
    }
}

/// "environ 1 h 30", "environ 20 min", "moins d'une minute".
pub fn lifetime_text(secs: i64) -> String {
    if secs < 60 {
        return "moins d'une minute".to_owned();
    }
    let minutes = secs / 60;
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("environ {m} min"),
        (h, 0) => format!("environ {h} h"),
        (h, m) => format!("environ {h} h {m:02}"),
    }
}

/// The verdict in a few words, for a line of "Tester tous les comptes".
pub fn verdict_line(v: &CredentialVerdict) -> String {
    match v {
        CredentialVerdict::Valid { .. } => "Identifiants valides".to_owned(),
        CredentialVerdict::WrongCredentials => {
            "Compte inconnu ou mot de passe incorrect".to_owned()
        }
        CredentialVerdict::PasswordExpired => "Mot de passe expiré".to_owned(),
        CredentialVerdict::NotRegistered => "Déclarant non inscrit au service DSN".to_owned(),
        CredentialVerdict::Unauthorized { .. } => "Identifiants refusés".to_owned(),
        CredentialVerdict::Locked => "Compte bloqué sur Net-entreprises".to_owned(),
        CredentialVerdict::Dangerous => "Demande jugée dangereuse par le portail".to_owned(),
        CredentialVerdict::InvalidParameters => "Paramètres invalides".to_owned(),
        CredentialVerdict::TooManyRequests { .. } => "Trop de demandes : patientez".to_owned(),
        CredentialVerdict::Unavailable { status } => {
            format!("Service indisponible (code {status})")
        }
        CredentialVerdict::Redirected { .. } => "Service déplacé ou en maintenance".to_owned(),
        CredentialVerdict::Unexpected { status } => format!("Réponse inattendue (code {status})"),
        CredentialVerdict::Unreachable { .. } => "Net-entreprises injoignable".to_owned(),
    }
}

/// What the test of a verdict's code stored in the store said, for the list
/// ("valid" → "Identifiants valides").
pub fn verdict_code_line(code: &str) -> &'static str {
    match code {
        "valid" => "Identifiants valides",
        "wrong_credentials" => "Compte inconnu ou mot de passe incorrect",
        "password_expired" => "Mot de passe expiré",
        "not_registered" => "Déclarant non inscrit au service DSN",
        "unauthorized" => "Identifiants refusés",
        "locked" => "Compte bloqué sur Net-entreprises",
        "dangerous" => "Demande jugée dangereuse",
        "invalid_parameters" => "Paramètres invalides",
        "too_many_requests" => "Trop de demandes",
        "unavailable" => "Service indisponible",
        "redirected" => "Service déplacé ou en maintenance",
        "unreachable" => "Net-entreprises injoignable",
        _ => "Réponse inattendue",
    }
}

const WHY_EXACT: &str = "Net-entreprises compare la saisie à l'identique : majuscules, \
     minuscules, accents, caractères spéciaux et espaces comptent. Trois échecs de suite \
     bloquent le compte sur le portail.";

const TODO_COPY: &str = "Ouvrez le portail Net-entreprises, copiez-collez le SIRET, le nom, le \
     prénom et le mot de passe dans l'onglet « Net Entreprise », enregistrez, puis testez une \
     seule fois de nouveau.";

/// The window of the blue ball: the green tick or the red barred circle's
/// sentence, why, and what to do, for each answer of the portal.
pub fn verdict_explanation(t: &Tested) -> Explanation {
    let who = format!(
        "SIRET {}, nom « {} », prénom « {} »",
        t.account.siret, t.account.last_name, t.account.first_name
    );
    let details = format!(
        "Adresse : {}\nRéponse : {}\nTest du {}",
        t.url,
        t.verdict.code(),
        french_time(&t.tested_at)
    );
    let refusals = match t.refusals {
        0 | 1 => String::new(),
        n => format!(" C'est le {n}e refus de suite pour ce compte : au 3e, le portail le bloque."),
    };
    let x = |title: &str, what: String, why: &str, todo: &str| {
        explain(title, what, why, todo, details.clone())
    };
    match &t.verdict {
        CredentialVerdict::Valid {
            expires,
            lifetime_secs,
        } => {
            let lifetime = match (expires, lifetime_secs) {
                (Some(at), Some(secs)) => format!(
                    " Le jeton délivré est valable jusqu'au {} ({}).",
                    french_time(at),
                    lifetime_text(*secs)
                ),
                _ => " Le portail n'a pas dit combien de temps le jeton délivré reste valable."
                    .to_owned(),
            };
            x(
                "Identifiants Net-entreprises valides",
                format!("Net-entreprises a accepté ces identifiants ({who}).{lifetime}"),
                "Le dépôt des DSN et la récupération des CRM PAS fonctionneront avec ce compte. \
                 Le jeton n'est ni affiché ni conservé.",
                "Cliquez sur « Enregistrer » si ce n'est pas déjà fait.",
            )
        }
        CredentialVerdict::WrongCredentials => x(
            "Compte inconnu ou mot de passe incorrect",
            format!(
                "Net-entreprises ne reconnaît pas ce compte ou ce mot de passe ({who}).{refusals}"
            ),
            WHY_EXACT,
            TODO_COPY,
        ),
        CredentialVerdict::PasswordExpired => x(
            "Mot de passe expiré",
            format!("Le mot de passe de ce compte Net-entreprises a expiré ({who})."),
            "Le portail refuse un mot de passe expiré tant qu'il n'a pas été changé.",
            "Changez le mot de passe sur le portail net-entreprises.fr, reportez le nouveau \
             dans l'onglet « Net Entreprise » et enregistrez.",
        ),
        CredentialVerdict::NotRegistered => x(
            "Déclarant non inscrit au service DSN",
            format!("Ce déclarant n'est pas inscrit au service DSN sur Net-entreprises ({who})."),
            "Le compte existe, mais ne peut pas déposer de DSN.",
            "Inscrivez ce déclarant au service DSN sur le portail Net-entreprises. Après une \
             inscription, attendez un jour avant de tester de nouveau.",
        ),
        CredentialVerdict::Unauthorized { realm } => x(
            "Identifiants refusés",
            format!(
                "Net-entreprises a refusé ces identifiants ({who}){}.{refusals}",
                if realm.is_empty() {
                    String::new()
                } else {
                    format!(" ; motif donné par le portail : « {realm} »")
                }
            ),
            WHY_EXACT,
            TODO_COPY,
        ),
        CredentialVerdict::Locked => x(
            "Compte bloqué sur Net-entreprises",
            format!(
                "Net-entreprises refuse ce compte : il est bloqué après plusieurs échecs, ou la \
                 demande a été refusée ({who})."
            ),
            "Tant que le compte est bloqué, aucun test ni dépôt ne peut réussir ; chaque essai \
             prolonge le blocage.",
            "Débloquez le compte sur le portail net-entreprises.fr (mot de passe oublié) ou \
             auprès de Net-entreprises, puis reportez le mot de passe ici. Ne testez pas de \
             nouveau avant.",
        ),
        CredentialVerdict::Dangerous => x(
            "Demande jugée dangereuse",
            "Le portail Net-entreprises a jugé la demande dangereuse et l'a refusée.".to_owned(),
            "Un caractère inhabituel collé par erreur dans un champ en est souvent la cause.",
            "Vérifiez chaque champ de l'onglet « Net Entreprise » ; si le refus persiste, \
             contactez l'assistance de Net-entreprises.",
        ),
        CredentialVerdict::InvalidParameters => x(
            "Paramètres invalides",
            format!("Le portail Net-entreprises a jugé les identifiants invalides ({who})."),
            "Un SIRET dont la clé est fausse, ou un champ vide, donne cette réponse.",
            "Vérifiez le SIRET et les autres champs, puis testez de nouveau.",
        ),
        CredentialVerdict::TooManyRequests { retry_after_secs } => x(
            "Trop de demandes",
            "Le portail Net-entreprises a reçu trop de demandes et n'a pas vérifié ces \
             identifiants."
                .to_owned(),
            "Le portail limite le nombre de demandes ; rien n'est refusé pour autant.",
            &match retry_after_secs {
                Some(secs) => format!(
                    "Attendez {} avant de tester de nouveau.",
                    lifetime_text(i64::try_from(*secs).unwrap_or(i64::MAX))
                        .trim_start_matches("environ ")
                ),
                None => "Attendez quelques minutes avant de tester de nouveau.".to_owned(),
            },
        ),
        CredentialVerdict::Unavailable { status } => x(
            "Service Net-entreprises indisponible",
            format!(
                "Le service d'authentification de Net-entreprises est indisponible (code \
                 {status}) : les identifiants n'ont pas été vérifiés."
            ),
            "Le portail est peut-être en maintenance, ou l'adresse des paramètres de connexion \
             n'est plus la bonne.",
            "Réessayez plus tard. Si cela dure, vérifiez « Adresse d'authentification Net \
             Entreprise » dans les paramètres de connexion (« Tester l'accès aux serveurs »).",
        ),
        CredentialVerdict::Redirected { location } => x(
            "Service Net-entreprises déplacé ou en maintenance",
            format!(
                "Le service Net-entreprises renvoie vers une autre adresse ({location}) : les \
                 identifiants n'ont pas été vérifiés, et ce renvoi n'a pas été suivi."
            ),
            "Le service a changé d'adresse ou est en maintenance.",
            "Réessayez plus tard. Si cela dure, vérifiez « Adresse d'authentification Net \
             Entreprise » dans les paramètres de connexion.",
        ),
        CredentialVerdict::Unexpected { status } => x(
            "Réponse inattendue",
            format!(
                "Net-entreprises a donné une réponse inattendue (code {status}) : les \
                 identifiants n'ont pas été vérifiés."
            ),
            "Ce n'est sans doute pas le service d'authentification qui a répondu.",
            "Vérifiez « Adresse d'authentification Net Entreprise » dans les paramètres de \
             connexion (« Tester l'accès aux serveurs »).",
        ),
        CredentialVerdict::Unreachable { step, problem } => x(
            "Net-entreprises injoignable",
            format!(
                "Le service Net-entreprises n'a pas pu être joint (étape « {} ») : {}.",
                server_step(*step),
                server_problem(problem)
            ),
            "Les identifiants n'ont pas été vérifiés, ni envoyés en entier.",
            "Vérifiez les paramètres de connexion avec « Tester l'accès aux serveurs », puis \
             testez de nouveau.",
        ),
    }
}

/// The question before testing again a portal account tested a moment ago.
pub fn recent_test_question(recent: &[RecentTest]) -> String {
    let list: Vec<String> = recent
        .iter()
        .map(|r| {
            let holders = if r.logins.is_empty() {
                String::new()
            } else {
                format!(" ({})", r.logins.join(", "))
            };
            format!(
                "SIRET {}, {} {}{holders} : testé il y a {} s ({})",
                r.account.siret,
                r.account.first_name,
                r.account.last_name,
                r.seconds_ago,
                lower_first(verdict_code_line(&r.outcome))
            )
        })
        .collect();
    format!(
        "{} moins d'une minute :\n{}\nTrois échecs de suite bloquent un compte sur le portail \
         Net-entreprises. Tester de nouveau ?",
        if recent.len() == 1 {
            "Ce compte Net-entreprises a déjà été testé il y a"
        } else {
            "Ces comptes Net-entreprises ont déjà été testés il y a"
        },
        list.join("\n")
    )
}

/// Why a test was not made.
pub fn test_error(e: &TestError) -> Explanation {
    match e {
        TestError::Account(e) => account_error(e),
        TestError::NoCredentials { login } => explain(
            "Aucun identifiant Net-entreprises",
            format!("Le compte « {login} » n'a pas d'identifiants Net-entreprises enregistrés."),
            "Rien n'a été envoyé.",
            "Saisissez-les dans l'onglet « Net Entreprise » du compte (ou « iea-maintenance \
             netentreprises set »).",
            String::new(),
        ),
        TestError::RecentlyTested { accounts } => explain(
            "Test déjà fait il y a moins d'une minute",
            recent_test_question(accounts),
            "Rien n'a été envoyé : un nouveau test n'est fait que si vous le confirmez.",
            "Confirmez pour tester de nouveau (en ligne de commande : ajoutez --yes).",
            String::new(),
        ),
        TestError::Unreadable { login, source } => explain(
            super::TITLE_STORED_PASSWORD_UNREADABLE,
            format!(
                "Le mot de passe Net-entreprises enregistré pour « {login} » ne peut pas être \
                 lu sur ce poste."
            ),
            "Il a été chiffré avec la clé d'un autre poste (la base est partagée), ou la clé \
             de ce poste a changé. Rien n'a été envoyé.",
            "Tapez de nouveau le mot de passe dans l'onglet « Net Entreprise » et enregistrez.",
            format!("Message technique : {source}"),
        ),
        TestError::Config(e) => config_error(e),
        TestError::Secret(e) => secret_error(e),
        TestError::Job(e) => job_error(e),
        TestError::Store(e) => store_error(e),
    }
}

/// One line of "Tester tous les comptes": "dupont (Claire Dupont) : …".
pub fn account_line_text(line: &AccountLine) -> String {
    let what = match &line.outcome {
        LineOutcome::Tested(t) => {
            let mut text = verdict_line(&t.verdict);
            if let CredentialVerdict::Valid {
                lifetime_secs: Some(secs),
                ..
            } = &t.verdict
            {
                let _ = write!(text, " (jeton valable {})", lifetime_text(*secs));
            }
            text
        }
        LineOutcome::Unreadable => {
            "Non testé : mot de passe enregistré illisible sur ce poste".to_owned()
        }
        LineOutcome::SameAccountJustTested { tested_with } => format!(
            "Non testé : même compte Net-entreprises que « {tested_with} », avec un autre mot \
             de passe (à confirmer)"
        ),
        LineOutcome::BadSiret => "Non testé : SIRET enregistré invalide".to_owned(),
        LineOutcome::Cancelled => "Non testé : test annulé".to_owned(),
    };
    format!("{} ({}) : {what}", line.login, line.display_name)
}

/// The summary of "Tester tous les comptes".
pub fn test_all_summary(report: &TestAllReport) -> String {
    let valid = report.lines.iter().filter(|l| l.is_valid()).count();
    let total = report.lines.len();
    if total == 0 {
        return "Aucun compte n'a d'identifiants Net-entreprises enregistrés.".to_owned();
    }
    let calls = if report.calls == 1 {
        "1 demande au portail".to_owned()
    } else {
        format!("{} demandes au portail", report.calls)
    };
    if valid == total {
        format!("Les {total} comptes ont des identifiants Net-entreprises valides ({calls}).")
    } else {
        format!(
            "{valid} compte{} sur {total} {} des identifiants valides ({calls}) : voyez le \
             détail de chaque ligne.",
            if valid > 1 { "s" } else { "" },
            if valid > 1 { "ont" } else { "a" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::net_entreprises::PortalAccount;
    use crate::connection::servers::{ServerProblem, Step};

    fn tested(verdict: CredentialVerdict) -> Tested {
        Tested {
            account: PortalAccount {
                siret: "73282932000074".to_owned(),
                last_name: "DUPONT".to_owned(),
                first_name: "Claire".to_owned(),
            },
            verdict,
            tested_at: "2026-11-22T10:00:00+00:00".to_owned(),
            refusals: 2,
            url: "https://services.net-entreprises.fr/authentifier/1.0/".to_owned(),
        }
    }

    #[test]
    fn every_verdict_has_its_own_title_and_something_to_do() {
        let verdicts = [
            CredentialVerdict::Valid {
                expires: Some("2026-11-22T11:30:00+00:00".to_owned()),
                lifetime_secs: Some(5400),
            },
            CredentialVerdict::WrongCredentials,
            CredentialVerdict::PasswordExpired,
            CredentialVerdict::NotRegistered,
            CredentialVerdict::Unauthorized {
                realm: "autre".to_owned(),
            },
            CredentialVerdict::Locked,
            CredentialVerdict::Dangerous,
            CredentialVerdict::InvalidParameters,
            CredentialVerdict::TooManyRequests {
                retry_after_secs: Some(120),
            },
            CredentialVerdict::Unavailable { status: 503 },
            CredentialVerdict::Redirected {
                location: "https://ailleurs.example/".to_owned(),
            },
            CredentialVerdict::Unexpected { status: 500 },
            CredentialVerdict::Unreachable {
                step: Step::Tcp,
                problem: ServerProblem::ConnectionRefused,
            },
        ];
        let mut titles = std::collections::HashSet::new();
        for v in verdicts {
            let x = verdict_explanation(&tested(v.clone()));
            assert!(titles.insert(x.title.clone()), "{v:?}: {}", x.title);
            assert!(!x.what.is_empty() && !x.todo.is_empty(), "{v:?}");
            assert!(
                verdict_code_line(v.code()) != "Réponse inattendue"
                    || matches!(v, CredentialVerdict::Unexpected { .. }),
                "{v:?}"
            );
        }
        let valid = verdict_explanation(&tested(CredentialVerdict::Valid {
            expires: Some("2026-11-22T11:30:00+00:00".to_owned()),
            lifetime_secs: Some(5400),
        }));
        assert!(valid.what.contains("environ 1 h 30"), "{}", valid.what);
        let wrong = verdict_explanation(&tested(CredentialVerdict::WrongCredentials));
        assert!(wrong.what.contains("2e refus"), "{}", wrong.what);
    }

    #[test]
    fn lifetimes_read_as_people_say_them() {
        assert_eq!(lifetime_text(30), "moins d'une minute");
        assert_eq!(lifetime_text(1200), "environ 20 min");
        assert_eq!(lifetime_text(3600), "environ 1 h");
        assert_eq!(lifetime_text(5400), "environ 1 h 30");
    }

    #[test]
    fn field_problems_name_the_field() {
        let p = FieldProblem {
            field: AccountField::Siret,
            issue: FieldIssue::SiretLength { len: 13 },
        };
        assert_eq!(
            field_problem(&p),
            "« SIRET » : Le SIRET a 14 chiffres ; 13 ont été tapés."
        );
        assert!(
            edge_spaces_warning(EdgeSpaces {
                leading: false,
                trailing: true
            })
            .contains("finit par une espace")
        );
    }
}
