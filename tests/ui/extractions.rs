//! "Extractions de données": the seed's « Exécuter une requête » for query 35,
//! as a payroll manager does it — the list, « Valider », « Exécuter une
//! requête », the "Paramètres de la requête" window (its value checked next to
//! it), « Valider », then "Visualisation du résultat de la requête" with its
//! rows, their count, a sort, and an export to XLSX whose file is read back by
//! openpyxl, then a second export over it, replaced only after the question.

#[path = "../support/exports.rs"]
mod exports;

use std::path::PathBuf;

use chrono::{Local, TimeZone};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use iea_maintenance::store::Store;
use iea_maintenance::ui::{CentreApp, ScreenId};

use crate::support::{
    WINDOW, Workstation, centre_app, click, fixed_workstation, is_disabled, settle, shows,
    shows_part, snapshot, store_with_payroll,
};

const QUERY_35: &str = "35. Employeurs-caisse OPCO";
const DOSSIER: &str = "Association Les Amis du Quartier";

/// [`store_with_payroll`] with the OPCO of its employers as the 2019 update left
/// them: one found, one not found, and an association without agreement.
fn opco_store(ws: &Workstation) -> PathBuf {
    let path = store_with_payroll(ws);
    Store::open(&path)
        .expect("open")
        .connection()
        .execute_batch(
            "UPDATE employers SET opco = 'OPCO Cohésion sociale' WHERE id = 1;
             UPDATE employers SET opco = 'AFDAS' WHERE id = 3;
             UPDATE employers SET exit_date = '2024-06-30' WHERE id = 2;
             INSERT INTO employers (id, dossier_id, siret, name, ccn_code, opco) VALUES
               (4, 1, '73282932000090', 'Club de gym des Amis', '9999', NULL);",
        )
        .expect("opco");
    path
}

/// The centre on "Extractions de données", its clock frozen, its save dialogs
/// answering in `folder`.
fn extractions(ws: &Workstation, folder: &std::path::Path) -> Harness<'static, CentreApp> {
    let mut app = centre_app(ws, ScreenId::Extractions);
    app.set_clock(Some(
        Local
            .with_ymd_and_hms(2026, 11, 12, 10, 0, 0)
            .single()
            .expect("now"),
    ));
    app.answer_save_dialogs_in(folder);
    let mut harness = Harness::builder()
        .with_size(WINDOW)
        .with_theme(eframe::egui::Theme::Light)
        .build_ui_state(|ui, app: &mut CentreApp| app.frame_ui(ui), app);
    settle(&mut harness);
    harness
}

/// What the drop-down list named `list` shows.
fn combo_text(harness: &Harness<'_, CentreApp>, list: &str) -> String {
    harness
        .get_by_label(list)
        .accesskit_node()
        .value()
        .unwrap_or_default()
}

/// Opens the drop-down list named `list` and picks `item`.
fn pick(harness: &mut Harness<'_, CentreApp>, list: &str, item: &str) {
    harness.get_by_label(list).click();
    settle(harness);
    harness.get_by_label(item).click();
    settle(harness);
}

#[test]
fn query_35_runs_as_the_guide_says_and_its_result_is_exported() {
    let ws = fixed_workstation("extractions");
    opco_store(&ws);
    let folder = ws.home.root().join("exports");
    std::fs::create_dir_all(&folder).expect("folder");
    let mut harness = extractions(&ws, &folder);

    // 1-2: the list, then « Valider » enables « Exécuter une requête ».
    assert!(shows(&harness, "Extractions de données"));
    assert!(is_disabled(&harness, "Exécuter une requête"));
    pick(&mut harness, "Requêtes prédéfinies", QUERY_35);
    assert!(
        is_disabled(&harness, "Exécuter une requête"),
        "not before « Valider »"
    );
    click(&mut harness, "Valider");
    assert!(!is_disabled(&harness, "Exécuter une requête"));
    assert!(
        shows_part(&harness, "caisse non répertoriée"),
        "the description"
    );
    snapshot(&mut harness, "extractions");

    // 3: "Paramètres de la requête", the working dossier by default.
    click(&mut harness, "Exécuter une requête");
    assert!(shows(&harness, "Paramètres de la requête"));
    assert!(shows(&harness, "Paramètre") && shows(&harness, "Valeur"));
    assert!(shows(&harness, "Dossier de travail"));
    assert_eq!(
        combo_text(&harness, "Dossier de travail"),
        DOSSIER,
        "the dossier in production by default"
    );
    snapshot(&mut harness, "extractions-parametres");
    pick(&mut harness, "Dossier de travail", "Tous les dossiers");
    assert_eq!(
        combo_text(&harness, "Dossier de travail"),
        "Tous les dossiers"
    );
    pick(&mut harness, "Dossier de travail", DOSSIER);
    assert_eq!(combo_text(&harness, "Dossier de travail"), DOSSIER);

    // 4-5: « Valider », then the result window.
    harness
        .get_all_by_label("Valider")
        .last()
        .expect("the window's « Valider »")
        .click();
    settle(&mut harness);
    assert!(shows(&harness, "Visualisation du résultat de la requête"));
    assert!(
        shows(&harness, "3 lignes — en 0,0 s"),
        "count and frozen time"
    );
    assert!(shows(&harness, "Les Amis du Quartier"));
    assert!(shows(&harness, "Club de gym des Amis"));
    assert!(shows(&harness, "caisse non répertoriée"));
    assert!(shows(&harness, "OPCO Cohésion sociale"));
    assert!(shows(&harness, "30/06/2024"), "dates in French");
    assert!(!shows(&harness, "Club de foot Essai"), "another dossier");
    // Sorted by CCN: 9999 last, then first when descending.
    click(&mut harness, "Trier par CCN");
    click(&mut harness, "Trier par CCN");
    assert!(shows(&harness, "tri décroissant"));
    snapshot(&mut harness, "extractions-resultat");

    // The export: the name proposed from the query and its dossier.
    click(&mut harness, "Exporter en XLSX…");
    let file = folder.join("35-employeurs-caisse-opco-association-les-amis-du-quartier.xlsx");
    assert!(file.exists(), "{}", file.display());
    assert!(shows_part(&harness, "Fichier XLSX enregistré"));
    let book = exports::read_export("xlsx", &file);
    let rows = book["sheets"][0]["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 4, "header and three employers");
    let ccn: Vec<&str> = rows[1..]
        .iter()
        .map(|r| r[3]["v"].as_str().expect("ccn"))
        .collect();
    assert_eq!(ccn, ["9999", "1518", "1518"], "in the order shown");
    assert_eq!(rows[1][4]["v"], "caisse non répertoriée");
    let exit = rows
        .iter()
        .find(|r| r[2]["v"] == "73282932000082")
        .expect("archived employer");
    assert_eq!(exit[6]["v"], "2024-06-30");
    assert!(exit[6]["date"].as_bool().expect("date"));

    // A second export to the same file asks first; « Annuler » keeps it.
    let written = std::fs::read(&file).expect("read");
    click(&mut harness, "Exporter en XLSX…");
    assert!(shows(&harness, "Remplacer le fichier ?"));
    harness
        .get_all_by_label("Annuler")
        .last()
        .expect("« Annuler » of the question")
        .click();
    settle(&mut harness);
    assert_eq!(std::fs::read(&file).expect("read"), written);
    click(&mut harness, "Exporter en XLSX…");
    click(&mut harness, "Remplacer");
    assert!(shows_part(&harness, "Fichier XLSX enregistré"));
    click(&mut harness, "Exporter en TXT…");
    let txt = exports::read_export(
        "txt",
        &folder.join("35-employeurs-caisse-opco-association-les-amis-du-quartier.txt"),
    );
    assert_eq!(txt["rows"].as_array().expect("rows").len(), 4);
}

#[test]
fn a_bad_value_is_said_next_to_its_field_and_validation_waits_for_it() {
    let ws = crate::support::workstation();
    opco_store(&ws);
    let folder = ws.home.root().to_path_buf();
    let mut harness = extractions(&ws, &folder);
    pick(
        &mut harness,
        "Requêtes prédéfinies",
        "2. Bulletins d'une période avec leurs totaux",
    );
    click(&mut harness, "Valider");
    click(&mut harness, "Exécuter une requête");
    let field = |h: &Harness<'_, CentreApp>, label: &str| {
        h.get_by_role_and_label(eframe::egui::Role::TextInput, label)
            .accesskit_node()
            .value()
            .unwrap_or_default()
    };
    assert_eq!(field(&harness, "Du mois"), "01/2026", "January by default");
    assert_eq!(
        field(&harness, "Au mois"),
        "11/2026",
        "this month by default"
    );
    crate::support::set_field(&mut harness, "Du mois", "13/2026");
    assert!(shows_part(
        &harness,
        "n'est pas un mois valide : un mois MM/AAAA"
    ));
    let validate = harness.get_all_by_label("Valider").last().expect("Valider");
    assert!(validate.accesskit_node().is_disabled());
    crate::support::set_field(&mut harness, "Du mois", "12/2026");
    assert!(shows_part(
        &harness,
        "la fin de la période doit suivre son début"
    ));
    crate::support::set_field(&mut harness, "Du mois", "11/2023");
    harness
        .get_all_by_label("Valider")
        .last()
        .expect("Valider")
        .click();
    settle(&mut harness);
    assert!(shows(&harness, "Visualisation du résultat de la requête"));
    assert!(shows(&harness, "13 lignes — en 0,0 s"));
}
