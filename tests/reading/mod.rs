//! Reading the store through the CLI: `list` with its filters and its table, `show` by id or
//! any URL, and every read command ending quietly when its reader goes away (`| head -1`).

use std::io::Read;
use std::process::Stdio;

use crate::common::Workspace;

#[test]
fn list_filters_by_language_feed_and_limit() {
    let (_server, ws) = crate::common::polled_fixtures();

    let arabic = ws.list_json(&["--lang", "ar"]);
    assert_eq!(arabic.len(), 2);
    assert!(arabic
        .iter()
        .all(|a| a["lang"] == "ar" && a["feed"] == "arabic-1256"));
    assert_eq!(ws.list_json(&["--feed", "oon-ru"]).len(), 2);
    assert_eq!(ws.list_json(&["--limit", "4"]).len(), 4);
    // Newest first; the fixtures are from 2025.
    let all = ws.list_json(&[]);
    let dates: Vec<&str> = all.iter().map(|a| a["published"].as_str().unwrap()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert_eq!(ws.list_json(&["--since", "2025-10-25"]).len(), 5);

    // The table keeps right-to-left titles isolated so the columns stay in place.
    let table = ws.cmd().args(["list", "--lang", "ar"]).output().unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(table.lines().next().unwrap().contains("TITLE"));
    assert!(
        table.contains("\u{2068}ارتفاع أسعار النفط بعد قرار خفض الإنتاج\u{2069}"),
        "{table}"
    );
}

#[test]
fn show_finds_an_article_by_any_of_its_urls() {
    let (_server, ws) = crate::common::polled_fixtures();
    let out = ws
        .cmd()
        .args([
            "show",
            "https://news.un.org/es/story/2025/10/1541001?utm_campaign=x#comments",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success());
    assert!(
        text.contains("La Convención de las Naciones Unidas contra la Ciberdelincuencia"),
        "{text}"
    );
    assert!(text.contains("lang:       es"), "{text}");
    ws.cmd().args(["show", "999999"]).assert().code(5);
    ws.cmd().args(["stories", "999999"]).assert().code(5);
}

#[test]
fn exit_codes_tell_usage_store_and_not_found_apart() {
    let ws = Workspace::new();
    ws.write_config("");
    let out = ws.cmd().arg("list").output().unwrap();
    assert_eq!(out.status.code(), Some(3), "no store yet");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no store at"));
    ws.cmd()
        .args(["list", "--since", "yesterday-ish"])
        .assert()
        .code(2);
    ws.cmd().args(["list", "--no-such-flag"]).assert().code(2);
    ws.write_config("[fetch]\nconcurency = 3\n");
    ws.cmd().arg("list").assert().code(2);
}

/// Runs a read command whose stdout is a pipe with no reader left, as `| head -1` leaves it
/// once it has its line: every write meets a broken pipe.
fn run_into_closed_pipe(ws: &Workspace, args: &[&str]) -> (std::process::ExitStatus, String) {
    let mut child = ws
        .std_cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    (child.wait().unwrap(), stderr)
}

#[test]
fn read_commands_end_quietly_when_the_reader_goes_away() {
    let (_server, ws) = crate::common::polled_fixtures();
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["show", "1"],
        &["stories"],
        &["stories", "--json"],
        &["feeds"],
        &["feeds", "--json"],
    ] {
        let (status, stderr) = run_into_closed_pipe(&ws, args);
        assert_eq!(status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            !stderr.to_lowercase().contains("broken pipe"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn completions_and_the_man_page_name_every_command() {
    let ws = Workspace::new();
    let commands = [
        "poll", "list", "show", "stories", "feeds", "digest", "run", "parse",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let out = ws.cmd().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for command in commands {
            assert!(script.contains(command), "{shell} completes {command}");
        }
    }
    let out = ws.cmd().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH treatywatch"),
        "{page}"
    );
    for command in commands {
        assert!(
            page.contains(&format!("treatywatch\\-{command}(1)")),
            "man names {command}"
        );
    }
    assert!(!ws
        .cmd()
        .args(["completions", "tcsh"])
        .output()
        .unwrap()
        .status
        .success());
}

#[test]
fn list_and_stories_print_a_page_unless_told() {
    // Sixty short items, each its own story.
    let items: String = (1..=60)
        .map(|i| {
            format!(
                "<item><title>Item number {i} of the long feed</title><link>http://127.0.0.1/{i}</link>\
                 <description>Story {i}: a council in district {i} voted on its budget for {} schools.</description></item>",
                i * 7
            )
        })
        .collect();
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Long</title>{items}</channel></rss>"
    );
    let server = crate::common::TestServer::routes(vec![(
        "/long.rss",
        crate::common::Reply::ok("application/rss+xml", rss),
    )]);
    let ws = Workspace::new();
    ws.write_config(&crate::common::feed_block("long", &server.url("/long.rss")));
    assert!(ws
        .cmd()
        .args(["poll", "--once"])
        .output()
        .unwrap()
        .status
        .success());
    assert_eq!(ws.list_json(&["--limit", "0"]).len(), 60);
    assert_eq!(ws.list_json(&[]).len(), 50);
    assert_eq!(ws.list_json(&["--limit", "7"]).len(), 7);
    let stories = |extra: &[&str]| {
        let out = ws.cmd().args(["stories", "--json"]).args(extra).output().unwrap();
        String::from_utf8(out.stdout).unwrap().lines().count()
    };
    assert_eq!(stories(&[]), 50);
    assert_eq!(stories(&["--limit", "0"]), 60);
}

#[test]
fn search_matches_as_topics_do_in_every_script() {
    use unicode_normalization::UnicodeNormalization;
    let (_server, ws) = crate::common::polled_fixtures();
    let titles = |args: &[&str]| -> Vec<String> {
        let out = ws.cmd().arg("search").args(args).arg("--json").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["title"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    // Vietnamese typed decomposed (NFD) finds the composed text.
    let nfd: String = "công ước".nfd().collect();
    let vi = titles(&[&nfd, "--lang", "vi"]);
    assert!(vi.iter().any(|t| t.contains("Công ước")), "{vi:?}");
    assert!(!vi.iter().any(|t| t.contains("OPEC")), "{vi:?}");
    // Arabic written with ه for ة, and without its article, finds الاتفاقية.
    let ar = titles(&["اتفاقيه", "--lang", "ar"]);
    assert!(ar.iter().any(|t| t.contains("اتفاقية")), "{ar:?}");
    assert!(!ar.iter().any(|t| t.contains("النفط")), "{ar:?}");
    // Any language, and nothing for a word no article has.
    let any = titles(&["cybercrime"]);
    assert!(!any.is_empty(), "{any:?}");
    assert!(titles(&["zanzibarian"]).is_empty());
}

#[test]
fn export_writes_every_article_in_full_as_jsonl_or_csv() {
    let (_server, ws) = crate::common::polled_fixtures();
    let all = ws.list_json(&["--limit", "0"]);
    let out = ws.cmd().arg("export").output().unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), all.len());
    assert!(lines.iter().all(|l| l["text"].is_string() && l["id"].is_u64()));
    let out = ws.cmd().args(["export", "--format", "csv"]).output().unwrap();
    assert!(out.status.success());
    let mut csv = csv::Reader::from_reader(&out.stdout[..]);
    assert_eq!(csv.headers().unwrap().iter().next(), Some("id"));
    let rows: Vec<csv::StringRecord> = csv.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), all.len());
    // Texts with commas, quotes and newlines survive the quoting.
    let text_of = |id: &str| {
        lines
            .iter()
            .find(|l| l["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(id))
            .unwrap()["text"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for row in &rows {
        assert_eq!(row.get(9).unwrap(), text_of(row.get(0).unwrap()));
    }
}

#[test]
fn prune_removes_what_is_older_than_asked_and_says_so() {
    let (_server, ws) = crate::common::polled_fixtures();
    let before = ws.list_json(&["--limit", "0"]).len();
    let out = ws.cmd().arg("prune").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "no [store] keep and no --older-than");
    let out = ws.cmd().args(["prune", "--older-than", "1d"]).output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("pruned 0 article(s)"));
    assert_eq!(ws.list_json(&["--limit", "0"]).len(), before);
    let out = ws.cmd().args(["prune", "--older-than", "0s"]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(said.starts_with(&format!("pruned {before} article(s)")), "{said}");
    assert!(ws.list_json(&[]).is_empty());
    assert!(ws
        .cmd()
        .args(["stories", "--json"])
        .output()
        .unwrap()
        .stdout
        .is_empty());
}
