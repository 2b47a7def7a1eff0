//! The command line as administrators script it: `transfer check` says each
//! prerequisite (exit 1 while one blocks, JSON with every row), `transfer run`
//! asks for « oui » (refused without a terminal, exit 2), refuses unmet data
//! items unless accepted, and `transfer report` writes the report with the
//! seed's subject, even when it cannot be sent.

use crate::World;
use crate::install::text;

#[test]
fn check_run_and_report_from_the_command_line() {
    let world = World::new(1_000);
    let codes: Vec<String> = world
        .request()
        .acknowledged
        .iter()
        .map(|a| a.check.code().to_owned())
        .collect();
    assert!(!codes.is_empty(), "the demo has a data item to accept");

    // check: the server's « GO », then the items; exit 1 while one blocks.
    let out = world.install.cli(&["transfer", "check", "--json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["server"]["open"], true);
    assert_eq!(json["may_transfer"], false);
    let data = json["stores"][0]["data"].as_array().expect("data items");
    assert_eq!(data.len(), 6);
    let unmet: Vec<&str> = data
        .iter()
        .filter(|d| d["met"] == false)
        .map(|d| d["check"].as_str().expect("code"))
        .collect();
    assert_eq!(unmet, codes);
    let first = data.iter().find(|d| d["met"] == false).expect("unmet");
    assert!(
        first["rows"][0]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(
        first["fix"]
            .as_str()
            .is_some_and(|t| t.contains("Impact emploi"))
    );
    let installation = json["stores"][0]["installation"].as_array().expect("items");
    assert!(
        installation.iter().all(|i| i["met"] == true),
        "{installation:?}"
    );

    let plain = world.install.cli(&["transfer", "check"]);
    let said = text(&plain);
    assert!(said.contains("Concernant vos données"), "{said}");
    assert!(said.contains(&format!("--accept {}", codes[0])), "{said}");

    // run: no terminal to ask « oui » on.
    let out = world.install.cli(&["transfer", "run"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--yes"));
    // Without accepting the data items: refused, nothing sent.
    let out = world.install.cli(&["transfer", "run", "--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        text(&out).contains("Prérequis non remplis"),
        "{}",
        text(&out)
    );
    assert!(text(&out).contains("--accept"), "{}", text(&out));
    assert!(world.tus.uploads().is_empty());
    // An unknown item is a bad usage that lists the known ones.
    let out = world
        .install
        .cli(&["transfer", "run", "--yes", "--accept", "tout"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("code-risque"), "{}", text(&out));

    let mut args = vec!["transfer", "run", "--yes"];
    for code in &codes {
        args.push("--accept");
        args.push(code);
    }
    let out = world.install.cli(&args);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("effectué avec succès"), "{said}");
    assert!(said.contains("ACC-2026-01-7731"), "{said}");
    assert!(said.contains("transfer report --send"), "{said}");

    // report: the seed's subject with the manager's name, the content to copy.
    let out = world
        .install
        .cli(&["transfer", "report", "--manager", "Marie Dupont"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(
            "Objet : Service Impact Emploi Association – Reprise de données – Marie Dupont"
        ),
        "{said}"
    );
    assert!(said.contains("À : reprise@urssaf.test, impact-emploi-association@urssaf.test"));
    // --send without SMTP settings: it fails, and the content is still there.
    let out = world
        .install
        .cli(&["transfer", "report", "--send", "--manager", "Marie Dupont"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains("Accusé de réception : ACC-2026-01-7731"),
        "{said}"
    );
    assert!(said.contains("Copier le contenu"), "{said}");
}
