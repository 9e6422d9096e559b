//! Config errors as a user meets them: a typo names the file, the line and the key; every
//! semantic problem is reported at once, each with its line.

use crate::common::Workspace;

#[test]
fn config_typo_names_file_line_and_key() {
    let ws = Workspace::new();
    ws.write_raw_config(
        "# my feeds\n[store]\npath = \"store\"\n\n[[feed]]\nname = \"a\"\nnmae = \"b\"\nurl = \"https://example.org/rss\"\n",
    );
    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("feeds.toml:7: unknown field `nmae`"), "{stderr}");
    assert!(stderr.contains("in [[feed]]"), "{stderr}");
    assert!(!ws.store_path().exists(), "a bad config must not create a store");
}

#[test]
fn config_semantic_errors_are_all_reported() {
    let ws = Workspace::new();
    ws.write_raw_config(
        "[[feed]]\nname = \"a\"\nurl = \"https://example.org/a\"\n\n[[feed]]\nname = \"a\"\nurl = \"gopher://example.org/b\"\n",
    );
    let out = ws.cmd().args(["poll", "--once"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("feeds.toml:6: duplicate feed name 'a'"),
        "{stderr}"
    );
    assert!(
        stderr.contains("feeds.toml:7: 'url' of feed 'a' must be http or https"),
        "{stderr}"
    );
}

#[test]
fn check_config_prints_the_resolved_config_without_secrets() {
    let ws = Workspace::new();
    let password = "pw-Zq81-never-printed";
    let secret = "whsec-Kx77-never-printed";
    std::fs::write(ws.dir.path().join("smtp-password"), password).unwrap();
    ws.write_config(
        "[[feed]]\nname = \"a\"\nurl = \"https://reader:feedpass-never-printed@example.org/rss\"\n\n\
         [digest]\ntime = \"07:30\"\ntimezone = \"Asia/Ho_Chi_Minh\"\n\n\
         [[digest.sink]]\nkind = \"email\"\nsmtp = \"smtps://mail.example.org\"\nfrom = \"digest@example.org\"\nto = \"desk@example.org\"\nuser = \"digest\"\npassword_file = \"smtp-password\"\n\n\
         [[digest.sink]]\nkind = \"webhook\"\nurl = \"https://hooks.slack.com/services/T000/B000/slacktoken-never-printed\"\nformat = \"slack\"\nsecret_env = \"TW_CHECK_SECRET\"\n",
    );
    let out = ws
        .cmd()
        .arg("check-config")
        .env("TW_CHECK_SECRET", secret)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    for hidden in [
        password,
        secret,
        "feedpass-never-printed",
        "slacktoken-never-printed",
    ] {
        assert!(!stdout.contains(hidden), "{hidden} printed:\n{stdout}");
        assert!(!String::from_utf8_lossy(&out.stderr).contains(hidden));
    }
    // Defaults filled in and paths resolved.
    assert!(stdout.contains("interval = \"15m\""), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{:?}",
            ws.store_path().join("api.sock").display().to_string()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("timezone = \"Asia/Ho_Chi_Minh\""), "{stdout}");
    assert!(
        stdout.contains("# password: set (***)") && stdout.contains("# secret: set (***)"),
        "{stdout}"
    );

    // A broken config exits 2 naming file, line and key.
    ws.write_raw_config("[fetch]\nconcurency = 4\n");
    let out = ws.cmd().arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("feeds.toml:2: unknown field `concurency`"),
        "{stderr}"
    );
}
