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
