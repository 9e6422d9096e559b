//! The email sink against a real SMTP server on 127.0.0.1: the message's structure and headers,
//! Arabic intact and right to left, one Message-ID per (digest, sink, recipient) kept across
//! resends, and the faults: a server down then up, a link dropped after the final ".", a
//! temporary and a permanent refusal.

use mail_parser::{MessageParser, MimeHeaders};

use crate::common::smtp::{free_port, Answer, SmtpServer};
use crate::common::{fixture_server, good_feeds, Workspace};

const RECIPIENTS: &str = r#"["desk@example.org", "نور <noor@example.org>"]"#;

fn mail_config(ws: &Workspace, feeds: &str, smtp: &str) {
    ws.write_config(&format!(
        "{feeds}[digest]\ntime = \"07:00\"\ntimezone = \"Asia/Ho_Chi_Minh\"\ntopic = \"un-cybercrime-convention\"\n\n[[digest.sink]]\nkind = \"email\"\nsmtp = \"{smtp}\"\nfrom = \"treatywatch <digest@example.org>\"\nto = {RECIPIENTS}\n"
    ));
}

/// Runs the binary; its exit code and stdout.
fn run(ws: &Workspace, args: &[&str]) -> (Option<i32>, String) {
    let out = ws.cmd().args(args).output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// The id in `--send`'s first line, `digest N: subject`.
fn digest_id(sent: &str) -> String {
    sent.split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string()
}

fn polled(smtp: &str) -> (crate::common::TestServer, Workspace) {
    let feeds = fixture_server();
    let ws = Workspace::new();
    mail_config(&ws, &good_feeds(&feeds), smtp);
    ws.cmd().args(["poll", "--once"]).assert().success();
    (feeds, ws)
}

fn message_id(data: &[u8]) -> String {
    MessageParser::default()
        .parse(data)
        .unwrap()
        .message_id()
        .unwrap()
        .to_string()
}

#[test]
fn a_digest_mail_is_text_and_html_with_arabic_intact_and_its_message_ids_kept_on_resend() {
    let server = SmtpServer::start();
    let (_feeds, ws) = polled(&server.url());
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(0), "{sent}");
    let received = server.received();
    assert_eq!(received.len(), 2, "one message per recipient: {sent}");
    let mut recipients: Vec<&str> = received.iter().map(|r| r.to[0].as_str()).collect();
    recipients.sort();
    assert_eq!(recipients, ["desk@example.org", "noor@example.org"]);

    for r in &received {
        assert_eq!(r.from, "digest@example.org");
        let message = MessageParser::default().parse(&r.data).unwrap();
        let subject = message.subject().unwrap();
        assert!(
            subject.starts_with("UN Convention against Cybercrime — ")
                && subject.contains(" stories in ")
                && subject.contains(" languages — 20"),
            "{subject}"
        );
        assert!(message.date().is_some(), "a Date header");
        let list_id = message.header_raw("List-Id").unwrap();
        assert!(
            list_id.contains("<un-cybercrime-convention.treatywatch.example.org>"),
            "{list_id}"
        );
        assert_eq!(
            message.header_raw("Auto-Submitted").unwrap().trim(),
            "auto-generated"
        );
        let id = message.message_id().unwrap();
        assert!(
            id.starts_with("treatywatch.") && id.ends_with("@example.org"),
            "{id}"
        );
        // multipart/alternative: the text first, the HTML last (the one clients prefer).
        let root = message.content_type().unwrap();
        assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("alternative")));
        assert_eq!((message.text_body.len(), message.html_body.len()), (1, 1));
        let text = message.body_text(0).unwrap();
        let html = message.body_html(0).unwrap();
        assert!(
            text.contains("Countries sign landmark UN Convention against Cybercrime in Hanoi"),
            "{text}"
        );
        // The seed's Arabic version, intact, in a block marked right to left both ways.
        let arabic = "اتفاقية";
        assert!(text.contains(arabic) && html.contains(arabic), "{html}");
        let block = html
            .split("<td")
            .find(|cell| cell.contains(arabic) && cell.contains("lang=\"ar\""))
            .unwrap_or_else(|| panic!("no Arabic block in {html}"));
        assert!(
            block.contains("dir=\"rtl\"") && block.contains("direction:rtl"),
            "{block}"
        );
        assert!(!html.contains("<script"), "nothing from a feed becomes HTML");
    }
    let desk = received.iter().find(|r| r.to[0] == "desk@example.org").unwrap();
    let noor = received.iter().find(|r| r.to[0] == "noor@example.org").unwrap();
    assert_ne!(
        message_id(&desk.data),
        message_id(&noor.data),
        "one Message-ID per recipient"
    );
    let to = MessageParser::default().parse(&noor.data).unwrap();
    let to = to.to().unwrap().first().unwrap();
    assert_eq!(
        to.name(),
        Some("نور"),
        "a display name in Arabic survives its encoding"
    );

    // A resend is the same message: the same bytes, so the same Message-ID.
    let (code, resent) = run(&ws, &["digest", "--resend", &digest_id(&sent)]);
    assert_eq!(code, Some(0), "{resent}");
    let again = server.received();
    assert_eq!(again.len(), 4);
    for later in &again[2..] {
        let first = again[..2].iter().find(|r| r.to == later.to).unwrap();
        assert_eq!(first.data, later.data);
    }
    let (_, history) = run(&ws, &["digest", "--history"]);
    assert!(
        history.contains("→ desk@example.org: delivered")
            && history.contains("→ noor@example.org: delivered"),
        "{history}"
    );
}

#[test]
fn a_server_that_is_down_then_up_gets_the_digest_once() {
    let port = free_port();
    let (_feeds, ws) = polled(&format!("smtp://127.0.0.1:{port}"));
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(6), "{sent}");
    assert!(sent.contains("failed, retried from"), "{sent}");
    let (_, history) = run(&ws, &["digest", "--history"]);
    assert!(
        history.contains("failed (1 attempts)"),
        "the copies wait: {history}"
    );

    let server = SmtpServer::on(port);
    let (code, resent) = run(&ws, &["digest", "--resend", &digest_id(&sent)]);
    assert_eq!(code, Some(0), "{resent}");
    assert_eq!(server.received().len(), 2, "once per recipient");
    // Nothing new and nothing pending: a later send mails only the next (empty) digest.
    let (code, later) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(0), "{later}");
    assert_eq!(server.received().len(), 4);
    let subjects: Vec<String> = server.received()[2..]
        .iter()
        .map(|r| {
            MessageParser::default()
                .parse(&r.data)
                .unwrap()
                .subject()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(subjects.iter().all(|s| s.contains(" 0 stories")), "{subjects:?}");
}

#[test]
fn a_link_dropped_after_the_final_dot_is_resent_with_the_same_message_id() {
    let server = SmtpServer::start();
    // The first message is taken but never acknowledged; the client cannot know it arrived.
    server.plan(&[Answer::DropAfterDot]);
    let (_feeds, ws) = polled(&server.url());
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(6), "{sent}");
    assert_eq!(sent.matches(": delivered").count(), 1, "{sent}");
    assert_eq!(sent.matches("failed, retried from").count(), 1, "{sent}");

    let (code, resent) = run(
        &ws,
        &[
            "digest",
            "--resend",
            &digest_id(&sent),
            "--sink",
            &format!("email:smtp://{}", server.addr),
        ],
    );
    assert_eq!(code, Some(0), "{resent}");
    let received = server.received();
    assert_eq!(
        received.len(),
        4,
        "2 taken (one never acknowledged), both resent by --resend of the sink: {resent}"
    );
    let first = &received[0];
    let copies: Vec<_> = received.iter().filter(|r| r.to == first.to).collect();
    assert!(copies.len() >= 2);
    assert!(
        copies
            .iter()
            .all(|c| message_id(&c.data) == message_id(&first.data)),
        "the duplicate is recognisable by its Message-ID"
    );
}

#[test]
fn a_temporary_refusal_is_retried_and_a_permanent_one_given_up_with_the_servers_words() {
    let server = SmtpServer::start();
    server.plan(&[Answer::Refuse(451), Answer::Refuse(550)]);
    let (_feeds, ws) = polled(&server.url());
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(6), "{sent}");
    assert!(
        sent.contains("failed, retried from") && sent.contains("451"),
        "{sent}"
    );
    assert!(
        sent.contains("given up") && sent.contains("550") && sent.contains("test server refuses"),
        "{sent}"
    );
    assert!(server.received().is_empty());
    let (_, history) = run(&ws, &["digest", "--history"]);
    assert!(history.contains("dead after 1 attempts"), "{history}");
    assert!(history.contains("failed (1 attempts)"), "{history}");
    // Feed health shows both, the dead one with how to resend it.
    let (_, health) = run(&ws, &["feeds"]);
    assert!(health.contains("DIGEST COPIES NOT DELIVERED"), "{health}");
    assert!(
        health.contains("→ desk@example.org: failing (1 attempts)")
            && health.contains("→ noor@example.org: dead after 1 attempts")
            && health.contains("digest --resend"),
        "{health}"
    );
}

#[test]
fn mail_config_errors_name_their_line_and_key() {
    let ws = Workspace::new();
    let cases = [
        ("smtp = \"smtp://\"", "smtp 'smtp://' has no host"),
        ("smtp = \"http://mail.example\"", "write smtp:// or smtps://"),
        ("smtp = \"smtp://u:p@mail.example\"", "carries a login"),
        ("smtp = \"smtp://mail.example?tls=maybe\"", "tls=maybe"),
    ];
    for (line, expected) in cases {
        ws.write_raw_config(&format!(
            "[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[digest]\n[[digest.sink]]\nkind = \"email\"\n{line}\nfrom = \"digest@example.org\"\nto = \"desk@example.org\"\n"
        ));
        let out = ws.cmd().args(["digest", "--preview"]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(":8:") && stderr.contains(expected),
            "{line}: {stderr}"
        );
    }
    ws.write_raw_config("[[feed]]\nname = \"a\"\nurl = \"https://a.example/\"\n\n[digest]\n[[digest.sink]]\nkind = \"email\"\nsmtp = \"smtp://mail.example\"\nfrom = \"not an address\"\nto = []\nuser = \"me\"\n");
    let out = ws.cmd().args(["digest", "--preview"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(":9:") && stderr.contains("from 'not an address' is not a mail address"),
        "{stderr}"
    );
    assert!(
        stderr.contains(":10:") && stderr.contains("'to' is empty"),
        "{stderr}"
    );
}

#[test]
fn a_login_comes_from_a_password_file_and_is_never_printed() {
    let server = SmtpServer::start();
    server.require_login("digest", "s3cret-pw");
    let feeds = fixture_server();
    let ws = Workspace::new();
    std::fs::write(ws.dir.path().join("smtp-password"), "s3cret-pw\n").unwrap();
    let config = |password_file: &str| {
        format!(
            "{}[digest]\ntime = \"07:00\"\ntimezone = \"UTC\"\n\n[[digest.sink]]\nkind = \"email\"\nsmtp = \"{}\"\nfrom = \"digest@example.org\"\nto = \"desk@example.org\"\nuser = \"digest\"\npassword_file = \"{password_file}\"\n",
            good_feeds(&feeds),
            server.url()
        )
    };
    ws.write_config(&config("smtp-password"));
    ws.cmd().args(["poll", "--once"]).assert().success();
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(0), "{sent}");
    assert_eq!(server.logins(), [("digest".to_string(), "s3cret-pw".to_string())]);
    assert_eq!(server.received().len(), 1);

    // A wrong password is refused for good (535), with the server's words, and never shown.
    std::fs::write(ws.dir.path().join("wrong-password"), "not-it").unwrap();
    ws.write_config(&config("wrong-password"));
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(6), "{sent}");
    assert!(sent.contains("given up") && sent.contains("535"), "{sent}");
    let (_, history) = run(&ws, &["digest", "--history", "--json"]);
    for shown in [&sent, &history] {
        assert!(
            !shown.contains("s3cret-pw") && !shown.contains("not-it"),
            "{shown}"
        );
    }
}

#[test]
fn tls_required_never_falls_back_to_a_plain_link() {
    let server = SmtpServer::start();
    let (_feeds, ws) = polled(&format!("{}?tls=required", server.url()));
    let (code, sent) = run(&ws, &["digest", "--send"]);
    assert_eq!(code, Some(6), "{sent}");
    assert!(
        sent.contains("failed") && sent.to_lowercase().contains("tls"),
        "{sent}"
    );
    assert!(server.received().is_empty(), "nothing sent in the clear");
}
