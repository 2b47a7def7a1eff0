//! Seed step 5bis: the secure space lets only the association's proxy in
//! (a firewall in front of the tus server admits one source address, the one
//! tinyproxy binds). The direct way fails with the seed's words; the proxy
//! typed in the window, a real CONNECT proxy asking for Basic credentials,
//! carries the upload; a wrong password is said as such; the proxy is kept,
//! its password encrypted, when the user asks.

use iea_maintenance::config::{Config, ConnectionKind};
use iea_maintenance::connection::servers::ServerProblem;
use iea_maintenance::jobs::Cancel;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::transfer::{
    FallbackProxy, NoTransferProgress, ProxyPassword, TransferError, run,
};

use crate::World;
use crate::support::external::Tinyproxy;

const PROXY_USER: &str = "paie";
const PROXY_PASSWORD: &str = "Proxy-Paie-2026";

#[test]
fn the_proxy_fallback_goes_through_a_real_connect_proxy_with_authentication() {
    let world = World::with_tus(1_000, Some("127.0.0.2"));
    let proxy = Tinyproxy::start_with(
        world.install.dir.path(),
        PROXY_USER,
        PROXY_PASSWORD,
        "Bind 127.0.0.2\n",
    );
    let home = &world.install.home;

    // Direct: the connection cannot be established.
    let direct = run(home, &world.request(), &NoTransferProgress, &Cancel::new());
    match &direct {
        Err(
            e @ TransferError::NotEstablished {
                via_proxy: None, ..
            },
        ) => {
            let said = iea_maintenance::messages::transfer_error(e);
            assert_eq!(
                said.title,
                "La connexion à Sharebox en mode direct n'a pu s'établir"
            );
            assert!(said.todo.contains("l'adresse, le port"), "{}", said.todo);
        }
        other => panic!("expected the direct way to fail, got {other:?}"),
    }
    assert!(world.tus.uploads().is_empty());

    // A wrong password: the proxy refuses, and says so.
    let mut request = world.request();
    request.proxy = Some(FallbackProxy {
        host: "127.0.0.1".into(),
        port: proxy.port(),
        user: PROXY_USER.into(),
        password: ProxyPassword::Typed("Pas-Le-Bon".into()),
        save: true,
    });
    match run(home, &request, &NoTransferProgress, &Cancel::new()) {
        Err(TransferError::NotEstablished {
            problem,
            via_proxy: Some(via),
            ..
        }) => {
            assert_eq!(problem, ServerProblem::ProxyRefused);
            assert_eq!(via, format!("127.0.0.1:{}", proxy.port()));
        }
        other => panic!("expected the proxy to refuse, got {other:?}"),
    }
    let config = Config::load(home).expect("config");
    assert!(
        config.connection.proxy.host.is_empty(),
        "nothing kept after a failure"
    );

    // The right one: the store goes through the proxy's tunnel.
    request.proxy = Some(FallbackProxy {
        password: ProxyPassword::Typed(PROXY_PASSWORD.into()),
        ..request.proxy.clone().expect("proxy")
    });
    let report = run(home, &request, &NoTransferProgress, &Cancel::new()).expect("through");
    assert_eq!(
        report.via_proxy.as_deref(),
        Some(format!("127.0.0.1:{}", proxy.port()).as_str())
    );
    let uploads = world.tus.uploads();
    assert_eq!(uploads.len(), 1);
    assert_eq!(uploads[0].sha256(), report.stores[0].sha256);
    let log = proxy.log();
    assert!(
        log.contains(&format!("CONNECT 127.0.0.1:{}", world.tus.port())),
        "the upload went through the proxy:\n{log}"
    );

    // Kept in the connection settings, encrypted; the connection kind is
    // left as the user set it.
    let config = Config::load(home).expect("config");
    let saved = &config.connection.proxy;
    assert_eq!(saved.host, "127.0.0.1");
    assert_eq!(saved.port, proxy.port());
    assert_eq!(saved.user, PROXY_USER);
    let stored = saved.password_encrypted.clone().expect("password kept");
    assert!(!stored.contains(PROXY_PASSWORD));
    assert_eq!(
        SecretKey::load_or_create(home)
            .expect("key")
            .decrypt(&stored)
            .expect("decrypt"),
        PROXY_PASSWORD
    );
    assert_eq!(config.connection.kind, ConnectionKind::Direct);
    let text = std::fs::read_to_string(home.config_file()).expect("config file");
    assert!(!text.contains(PROXY_PASSWORD));
}
