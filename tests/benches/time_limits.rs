//! Benchmark of the time limits: how long the program takes to say "nothing
//! there" or "no answer", against a plain tool doing the same wait in the same
//! run. The tests check what is said (the step, the problem, the error); this
//! measures when, which a test cannot assert without failing on a busy machine.
//!
//! `cargo bench --bench time_limits` measures, on 127.0.0.1 only:
//! - a name that never resolves (`.invalid`, RFC 6761): the server test of
//!   three such addresses, against the system's resolver asked the same name
//!   (`getaddrinfo` in this process, and `getent hosts`);
//! - nothing listening for SMTP: `support::send`, against a plain TCP
//!   connection refused on the same port;
//! - silent servers (they accept the connection and never say a word), each
//!   against `curl --max-time LIMIT` waiting for the same listener, LIMIT
//!   being the program's own time limit for that wait:
//!   - authentication in Normal mode (`authenticate_now`, 10 s per call);
//!   - the server test of three silent addresses in Normal mode, through the
//!     library and through `iea-maintenance servers test --json` (the three run
//!     together: one call's 10 s for the whole);
//!   - an FTP site, plain, explicit and implicit FTPS (the greeting's limit);
//! - a refused connection retried in Extended mode (1 s, then 2 s, within a
//!   30 s budget), against `curl --retry 2 --retry-connrefused --retry-delay 1`.
//!
//! The silent waits run side by side, so the whole takes about the longest
//! limit. It prints the times and the ratios; it asserts nothing about time.

#![allow(clippy::print_stdout, dead_code)]

#[path = "../support/mod.rs"]
mod support;

use std::error::Error;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use iea_maintenance::backup::destination::ftp::{CONNECT_TIMEOUT as FTP_GREETING, FtpLocation};
use iea_maintenance::backup::destination::{Access, VolumeSearch};
use iea_maintenance::backup::{FtpSecurity, FtpSettings};
use iea_maintenance::config::{
    Config, ConnectionKind, ConnectionMode, ConnectionSettings, MailSecurity, ProxySettings,
};
use iea_maintenance::connection::auth::authenticate_now;
use iea_maintenance::connection::servers::{ServerProblem, Step, test_servers};
use iea_maintenance::home::Home;
use iea_maintenance::secrets::SecretKey;
use iea_maintenance::support::{self as mail_support, SupportError};

use support::ftp::{FtpOptions, FtpServer, ServerSecurity};
use support::https::{SilentListener, TestCa, loopback_cert, unused_port};

const BIN: &str = env!("CARGO_BIN_EXE_iea-maintenance");

/// Normal mode's limit for one request, as PROTOCOL.md sets it.
const NORMAL_LIMIT: Duration = Duration::from_secs(10);

/// How many times the quick cases run; their median is printed.
const QUICK_RUNS: usize = 15;

fn main() -> Result<(), Box<dyn Error>> {
    iea_maintenance::connection::install_crypto_provider();
    println!("time limits: the program, then the plain tool doing the same wait\n");
    quick_cases()?;
    println!();
    silent_cases();
    Ok(())
}

/// The cases that end at once: the median of several runs.
fn quick_cases() -> Result<(), Box<dyn Error>> {
    // A name that never resolves.
    let invalid = "https://impact-emploi.invalid";
    let s = settings(ConnectionMode::Secure, invalid);
    let ours = median(|| {
        let started = Instant::now();
        let report = test_servers(&s, None);
        let elapsed = started.elapsed();
        assert!(
            report
                .results
                .iter()
                .all(|r| r.step == Step::Dns && r.problem == Some(ServerProblem::NameNotFound)),
            "{report:#?}"
        );
        elapsed
    });
    let resolver = median(|| {
        let started = Instant::now();
        let found = std::net::ToSocketAddrs::to_socket_addrs("impact-emploi.invalid:443");
        assert!(found.is_err());
        started.elapsed()
    });
    let getent =
        median(|| run_timed(Command::new("getent").args(["hosts", "impact-emploi.invalid"])));
    line(
        "DNS .invalid: server test (3 addresses)",
        ours,
        "getaddrinfo",
        resolver,
    );
    line("", ours, "getent hosts", getent);

    // Nothing listening for SMTP.
    let dir = tempfile::tempdir()?;
    let home = Home::at(dir.path());
    home.ensure()?;
    let port = unused_port();
    let mut config = Config::load(&home)?;
    config.mail.smtp_host = "127.0.0.1".into();
    config.mail.smtp_port = port;
    config.mail.security = MailSecurity::None;
    config.mail.sender = "paie@asso-exemple.fr".into();
    config.save(&home)?;
    let request = mail_support::compose(&home)?;
    let ours = median(|| {
        let started = Instant::now();
        let sent = mail_support::send(&home, &request);
        let elapsed = started.elapsed();
        assert!(
            matches!(
                sent,
                Err(SupportError::Connection {
                    timed_out: false,
                    ..
                })
            ),
            "{sent:?}"
        );
        elapsed
    });
    let plain = median(|| {
        let started = Instant::now();
        assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
        started.elapsed()
    });
    line(
        "SMTP, nothing listening: support::send",
        ours,
        "TCP connect",
        plain,
    );
    Ok(())
}

/// The silent servers and the retries, side by side on threads.
fn silent_cases() {
    let cases: Vec<Box<dyn FnOnce() -> String + Send>> = vec![
        Box::new(silent_authentication),
        Box::new(silent_server_test),
        Box::new(silent_server_test_cli),
        Box::new(|| silent_ftp(FtpSecurity::Plain)),
        Box::new(|| silent_ftp(FtpSecurity::Explicit)),
        Box::new(|| silent_ftp(FtpSecurity::Implicit)),
        Box::new(refused_with_retries),
    ];
    let started = Instant::now();
    let lines: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = cases.into_iter().map(|case| scope.spawn(case)).collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("case"))
            .collect()
    });
    for l in lines {
        print!("{l}");
    }
    println!(
        "\nthe silent cases side by side took {:.1} s in all",
        started.elapsed().as_secs_f64()
    );
}

/// Authentication against a listener that never answers, Normal mode.
fn silent_authentication() -> String {
    let silent = SilentListener::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path());
    home.ensure().expect("home");
    let mut config = Config::defaults(&home);
    config.connection.mode = ConnectionMode::Normal;
    config.connection.auth_url = url::Url::parse(&silent.http_url()).expect("url");
    config.save(&home).expect("config");
    let started = Instant::now();
    let state = authenticate_now(&home).expect("done");
    let ours = started.elapsed();
    assert_eq!(state.connection.key(), "unreachable");
    let curl = curl_waiting(
        &format!("{}/api/v1/authenticate", silent.http_url()),
        NORMAL_LIMIT,
    );
    format_line(
        &format!(
            "silent auth server (limit {} s): authenticate_now",
            NORMAL_LIMIT.as_secs()
        ),
        ours,
        "curl --max-time 10",
        curl,
    )
}

/// The server test of three silent addresses, Normal mode, in the library.
fn silent_server_test() -> String {
    let silent = SilentListener::start();
    let s = settings(ConnectionMode::Normal, &silent.http_url());
    let started = Instant::now();
    let report = test_servers(&s, None);
    let ours = started.elapsed();
    assert!(!report.all_ok());
    let curl = curl_waiting(&silent.http_url(), NORMAL_LIMIT);
    format_line(
        "silent servers (3 together, 10 s): test_servers",
        ours,
        "curl --max-time 10",
        curl,
    )
}

/// The same through the command line.
fn silent_server_test_cli() -> String {
    let silent = SilentListener::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let url = silent.http_url();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[connection]\nkind = \"direct\"\nmode = \"normal\"\nauth_url = \"{url}\"\n\
             update_url = \"{url}/updates\"\nnet_entreprises_url = \"{url}/authentifier/1.0/\"\n"
        ),
    )
    .expect("config");
    let ours = run_timed(
        Command::new(BIN)
            .args(["servers", "test", "--json"])
            .env("IEA_HOME", dir.path())
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("https_proxy")
            .env_remove("http_proxy")
            .env_remove("DISPLAY"),
    );
    let curl = curl_waiting(&url, NORMAL_LIMIT);
    format_line(
        "silent servers (3 together, 10 s): `servers test`",
        ours,
        "curl --max-time 10",
        curl,
    )
}

/// An FTP site that accepts and never greets.
fn silent_ftp(security: FtpSecurity) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let home = Home::at(dir.path().join("home"));
    home.ensure().expect("home");
    let key = SecretKey::load_or_create(&home).expect("key");
    let ca = TestCa::new("Autorite FTP du banc");
    let mut connection = Config::defaults(&home).connection;
    connection.extra_ca_file = Some(ca.write_pem(dir.path()));
    let site = dir.path().join("site");
    std::fs::create_dir_all(&site).expect("site");
    let options = FtpOptions {
        silent: true,
        ..FtpOptions::new("paie", "secret")
    };
    let options = match security {
        FtpSecurity::Plain => options,
        FtpSecurity::Explicit => options.secured(ServerSecurity::Explicit, &loopback_cert(&ca)),
        FtpSecurity::Implicit => options.secured(ServerSecurity::Implicit, &loopback_cert(&ca)),
    };
    let server = FtpServer::start(&site, options);
    let settings = FtpSettings {
        host: "127.0.0.1".into(),
        port: server.port(),
        user: "paie".into(),
        password_encrypted: Some(key.encrypt("secret")),
        folder: "/".into(),
        security,
        passive: true,
    };
    let search = VolumeSearch::default();
    let access = Access {
        key: &key,
        search: &search,
        connection: &connection,
    };
    let started = Instant::now();
    assert!(FtpLocation::connect(&settings, &access).is_err());
    let ours = started.elapsed();
    // curl's plain FTP waits for the greeting like ours; for the FTPS kinds too
    // (the greeting comes before AUTH TLS, or inside TLS for implicit FTPS).
    let scheme = if security == FtpSecurity::Implicit {
        "ftps"
    } else {
        "ftp"
    };
    let curl = curl_waiting(
        &format!("{scheme}://127.0.0.1:{}/", server.port()),
        FTP_GREETING,
    );
    format_line(
        &format!(
            "silent FTP site, {security:?} (limit {} s): connect",
            FTP_GREETING.as_secs()
        ),
        ours,
        &format!("curl --max-time {}", FTP_GREETING.as_secs()),
        curl,
    )
}

/// A refused connection in Extended mode: retried after 1 s, then 2 s.
fn refused_with_retries() -> String {
    let port = unused_port();
    let s = settings(
        ConnectionMode::Extended,
        &format!("http://127.0.0.1:{port}"),
    );
    let started = Instant::now();
    let report = test_servers(&s, None);
    let ours = started.elapsed();
    assert!(!report.all_ok());
    let curl = run_timed(
        Command::new("curl")
            .args(["--silent", "--output", "/dev/null"])
            .args(["--retry", "2", "--retry-connrefused", "--retry-delay", "1"])
            .arg(format!("http://127.0.0.1:{port}/api/v1/ping")),
    );
    format_line(
        "refused, Extended mode (1 s + 2 s, budget 30 s): test_servers",
        ours,
        "curl --retry 2 (1 s + 1 s)",
        curl,
    )
}

/// Settings whose three addresses are shaped on `base`, the way the defaults are.
fn settings(mode: ConnectionMode, base: &str) -> ConnectionSettings {
    let url = |s: &str| url::Url::parse(s).expect("url");
    ConnectionSettings {
        kind: ConnectionKind::Direct,
        mode,
        proxy: ProxySettings {
            host: String::new(),
            port: 8080,
            user: String::new(),
            password_encrypted: None,
        },
        auth_url: url(base),
        update_url: url(&format!("{base}/updates")),
        net_entreprises_url: url(&format!("{base}/authentifier/1.0/")),
        extra_ca_file: None,
    }
}

/// How long curl waits on `url` with `limit` for the whole transfer.
fn curl_waiting(url: &str, limit: Duration) -> Duration {
    run_timed(
        Command::new("curl")
            .args(["--silent", "--output", "/dev/null", "--insecure"])
            .arg("--max-time")
            .arg(limit.as_secs().to_string())
            .arg(url),
    )
}

/// How long a command takes, start to end; it must start (curl, getent and
/// the program come with `.ci/setup`).
fn run_timed(cmd: &mut Command) -> Duration {
    let started = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let elapsed = started.elapsed();
    if let Err(e) = status {
        panic!(
            "{} does not start ({e}): bash .ci/setup installs it",
            Path::new(cmd.get_program()).display()
        );
    }
    elapsed
}

/// The median of [`QUICK_RUNS`] measurements.
fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut all: Vec<Duration> = (0..QUICK_RUNS).map(|_| f()).collect();
    all.sort();
    all[all.len() / 2]
}

fn line(label: &str, ours: Duration, plain_label: &str, plain: Duration) {
    print!("{}", format_line(label, ours, plain_label, plain));
}

fn format_line(label: &str, ours: Duration, plain_label: &str, plain: Duration) -> String {
    format!(
        "{label:<62} {:>10}   {plain_label:<24} {:>10}   ratio {:.2}\n",
        show(ours),
        show(plain),
        ours.as_secs_f64() / plain.as_secs_f64().max(1e-9)
    )
}

fn show(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{:.2} ms", d.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}
