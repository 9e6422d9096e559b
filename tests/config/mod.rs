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

#[test]
fn an_opml_file_from_another_reader_imports_and_the_configs_comments_survive() {
    let ws = Workspace::new();
    let original = "# Our feeds: keep this comment.\n[store]\npath = \"store\"   # beside the config\n\n\
                    [[feed]]\nname = \"already\"  # imported by hand last year\nurl = \"http://127.0.0.1:9/already.rss\"\n";
    ws.write_raw_config(original);
    let opml = crate::common::fixture("opml/another_reader.opml");

    // A dry run prints the new config and changes nothing.
    let out = ws
        .cmd()
        .args(["opml", "import", "--dry-run"])
        .arg(&opml)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let proposed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(ws.config_path()).unwrap(), original);

    let out = ws.cmd().args(["opml", "import"]).arg(&opml).output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    let written = std::fs::read_to_string(ws.config_path()).unwrap();
    assert_eq!(written, proposed);
    assert!(
        written.starts_with(original),
        "the file's own bytes come first, untouched:\n{written}"
    );
    assert!(said.contains("added 3 feed(s)"), "{said}");
    assert!(
        said.contains("= Already followed") && said.contains("= Twice"),
        "{said}"
    );
    assert!(
        !said.contains("Mail list"),
        "an outline without a feed is no feed: {said}"
    );
    assert!(
        written.contains("# from another_reader.opml: UN News – Law & Crime (in Treaty watch / UN); site https://news.un.org/"),
        "{written}"
    );

    // The result is a valid config with every feed, titles decoded.
    let out = ws.cmd().arg("check-config").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = ws.cmd().args(["opml", "export"]).output().unwrap();
    let exported = String::from_utf8(out.stdout).unwrap();
    for name in [
        "already",
        "un-news-law-crime",
        "onu-info-français",
        "báo-tin-tức-thế-giới",
    ] {
        assert!(
            exported.contains(&format!("text=\"{name}\"")),
            "{name} in:\n{exported}"
        );
    }
    // Our export is OPML another reader (and we) can read back: the same four feeds.
    let again = ws.dir.path().join("ours.opml");
    std::fs::write(&again, &exported).unwrap();
    let out = ws.cmd().args(["opml", "import"]).arg(&again).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("added 0 feed(s)"));
    assert_eq!(
        std::fs::read_to_string(ws.config_path()).unwrap(),
        written,
        "nothing new, nothing written"
    );

    // Not OPML at all: a clear error, nothing changed.
    let bad = ws.dir.path().join("feed.xml");
    std::fs::write(&bad, "<rss version=\"2.0\"><channel/></rss>").unwrap();
    let out = ws.cmd().args(["opml", "import"]).arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not OPML: the root element is <rss>"));
}

#[test]
fn a_keep_shorter_than_the_likeness_window_is_refused_at_its_line() {
    let ws = Workspace::new();
    ws.write_raw_config("[store]\npath = \"store\"\nkeep = \"12h\"\n");
    let out = ws.cmd().arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("feeds.toml:3: [store] keep must be at least 1d and at least dedup_window (30days)"),
        "{stderr}"
    );
}
