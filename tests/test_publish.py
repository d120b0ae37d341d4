"""statuspage publish against a real S3 API over HTTP: moto's server on 127.0.0.1.

The example site is built once; each test publishes to its own bucket (and its own copy
of the build when it changes files).
"""

from __future__ import annotations

import os
import posixpath
import pty
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from click.testing import CliRunner
from conftest import NOW, REPO

from statuspage import cli
from statuspage.content.edition import DESK
from statuspage.errors import PublishError
from statuspage.freeze.build import MARKER, BuildOptions, build
from statuspage.ops import publish, storage, uploadorder
from statuspage.ops.backoff import Backoff, retry
from statuspage.ops.publish import Target

STYLE = "static/style.css"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The shipped example site, built once."""
    root = tmp_path_factory.mktemp("example")
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, root / "site" / part)
    return build(root / "site", BuildOptions(out=root / "build", now=NOW)).out


@pytest.fixture
def site_copy(built, tmp_path) -> Path:
    """A build of our own, to change."""
    return Path(shutil.copytree(built, tmp_path / "build"))


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.name.startswith(".")}


def objects(s3, bucket: str) -> dict[str, str]:
    """key → ETag of every object in the bucket."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}


def hashed_style(folder: Path) -> str:
    return next(p.relative_to(folder).as_posix() for p in (folder / "static").glob("style.*"))


def hashed_assets(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in (folder / "static").iterdir()}


def cli_publish(folder: Path, target: str, endpoint: str, *args: str):
    return CliRunner().invoke(cli.main, ["publish", target, "--from", str(folder),
                                         "--endpoint-url", endpoint, *args])


EXPECTED_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "en/index.html": "text/html; charset=utf-8",
    "404.html": "text/html; charset=utf-8",
    "updates.rss": "application/rss+xml; charset=utf-8",
    "updates.atom": "application/atom+xml; charset=utf-8",
    "history.rss": "application/rss+xml; charset=utf-8",
    "maintenance.ics": "text/calendar; charset=utf-8",
    "api/v2/summary.json": "application/json",
    "embed/status.json": "application/json",
    "embed/status.js": "text/javascript; charset=utf-8",
    "embed/banner.html": "text/html; charset=utf-8",
    "badge.svg": "image/svg+xml",
    "components/fibre/badge.svg": "image/svg+xml",
}


def test_every_file_is_published_with_its_type_and_cache_headers(built, endpoint, s3, bucket):
    result = publish.publish(built, Target(f"s3://{bucket}/status", endpoint))
    files = files_of(built)
    assert (built / MARKER).is_file() and MARKER not in files
    assert result.uploaded == len(files) and result.unchanged == 0 and result.deleted == 0
    assert result.bytes == sum(map(len, files.values()))
    assert sorted(objects(s3, bucket)) == sorted(f"status/{name}" for name in files)
    style, assets = hashed_style(built), hashed_assets(built)
    assert len(assets) == 2  # the stylesheet and the lookup box's script
    for name, body in files.items():
        found = s3.get_object(Bucket=bucket, Key=f"status/{name}")
        assert found["Body"].read() == body, name
        if name in assets:
            assert found["CacheControl"] == "public, max-age=31536000, immutable"
            if name == style:
                assert found["ContentType"] == "text/css; charset=utf-8"
        else:
            assert found["CacheControl"] == "public, max-age=60", name
        if name in EXPECTED_TYPES:
            assert found["ContentType"] == EXPECTED_TYPES[name], name
    assert set(EXPECTED_TYPES) <= set(files)


def test_only_changes_are_uploaded_and_stale_objects_deleted(site_copy, endpoint, s3, bucket):
    target = f"s3://{bucket}"
    publish.publish(site_copy, Target(target, endpoint))
    before = objects(s3, bucket)

    again = publish.publish(site_copy, Target(target, endpoint))
    assert (again.uploaded, again.deleted, again.bytes) == (0, 0, 0)
    assert again.unchanged == len(before) and not again.changes
    assert objects(s3, bucket) == before

    (site_copy / "history.rss").write_text("<rss/>", encoding="utf-8")
    (site_copy / "incidents" / "2026-11-09-connexion-espace-client-lente" / "index.html").unlink()
    (site_copy / ".statuspage-private.json").write_text("{}", encoding="utf-8")
    changed = publish.publish(site_copy, Target(target, endpoint))
    assert [(c.action, c.key) for c in changed.changes] == [
        ("upload", "history.rss"),
        ("delete", "incidents/2026-11-09-connexion-espace-client-lente/index.html")]
    assert (changed.uploaded, changed.deleted, changed.bytes) == (1, 1, 6)
    after = objects(s3, bucket)
    assert set(after) == set(before) - {
        "incidents/2026-11-09-connexion-espace-client-lente/index.html"}
    assert s3.get_object(Bucket=bucket, Key="history.rss")["Body"].read() == b"<rss/>"
    assert {k: v for k, v in after.items() if k != "history.rss"} == {
        k: v for k, v in before.items() if k in after and k != "history.rss"}


def test_the_upload_order_puts_assets_first_home_and_api_last(built, endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="site/incidents/gone/index.html", Body=b"old")
    s3.put_object(Bucket=bucket, Key="elsewhere/index.html", Body=b"not ours")
    done: list[publish.Change] = []
    totals: list[int] = []

    def progress(total):
        totals.append(total)
        return done.append

    publish.publish(built, Target(f"s3://{bucket}/site/", endpoint), progress=progress)
    keys = [c.key.removeprefix("site/") for c in done[:-1]]  # the uploads
    assert totals == [len(done)] and len(keys) == len(files_of(built))
    assert set(keys[:2]) == hashed_assets(built)  # the assets first
    position = {key: n for n, key in enumerate(keys)}
    pages = [k for k in keys if k.startswith(("incidents/", "history/", "components/"))
             and k.endswith(".html")]
    homes = ["index.html", "en/index.html"]
    api = [k for k in keys if k.startswith("api/")]
    embeds = [k for k in keys if "embed/" in k]
    linked = [k for k in keys if k.endswith((".rss", ".atom", ".ics", "badge.svg"))]
    assert max(position[k] for k in linked) < min(position[k] for k in pages)
    assert max(position[k] for k in pages) < min(position[k] for k in homes)
    assert max(position[k] for k in homes) < min(position[k] for k in api)
    assert max(position[k] for k in api) < min(position[k] for k in embeds)
    assert done[-1] == publish.Change("delete", "site/incidents/gone/index.html")
    assert "elsewhere/index.html" in objects(s3, bucket)  # outside the prefix: not ours


class _Links(HTMLParser):
    """The site's files a page links to (href and src of every element), by name."""

    def __init__(self, name: str):
        super().__init__()
        self.folder = posixpath.dirname("/" + name)
        self.found: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key not in ("href", "src") or not value:
                continue
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            path = posixpath.normpath(posixpath.join(self.folder, unquote(parts.path)))
            path = path.lstrip("/")
            self.found.add(f"{path}/index.html".lstrip("/") if value.split("#")[0].endswith("/")
                           else path)


def _links_of(folder: Path, name: str) -> set[str]:
    parser = _Links(name)
    parser.feed((folder / name).read_text("utf-8"))
    return parser.found


def test_a_page_is_uploaded_after_every_new_object_it_links_to(tmp_path, endpoint, s3,
                                                                 bucket):
    """Issue 35.7: a killed publish left an incident page online before its updates.atom,
    and a service page before the new incident page. Each PUT is recorded: whatever new
    object a page links to was uploaded before it, but for pages that link to each other
    (a page and its translation), where one must come first."""
    site = tmp_path / "site"
    for part in ("content", "incidents"):
        shutil.copytree(REPO / part, site / part)
    out = build(site, BuildOptions(out=tmp_path / "build", now=NOW)).out
    publish.publish(out, Target(f"s3://{bucket}", endpoint))
    before = set(objects(s3, bucket))
    (site / "incidents" / "2026-11-26-panne-sms.md").write_text(
        "---\ntitle: {fr: Panne SMS, en: Text messages down}\nimpact: major\n"
        "components: [mobile-voice]\nstarted: 2026-11-26 09:00\n---\n"
        "## 2026-11-26 09:05 · investigating\nLes SMS ne partent plus.\n", encoding="utf-8")
    build(site, BuildOptions(out=out, now=NOW))
    order: list[str] = []
    client = storage.make_client(endpoint)
    client.meta.events.register("provide-client-params.s3.PutObject",
                                lambda params, **_: order.append(params["Key"]))
    publish.publish(out, Target(f"s3://{bucket}"), client=client)
    new = set(order) - before
    assert {"incidents/2026-11-26-panne-sms/index.html",
            "incidents/2026-11-26-panne-sms/updates.atom"} <= new
    position = {key: n for n, key in enumerate(order)}
    links = {key: _links_of(out, key) & new for key in order if key.endswith(".html")}
    broken = {(page, target) for page, targets in links.items() for target in targets
              if position[target] > position[page]
              and page not in links.get(target, set())}  # not a pair linking each other
    assert broken == set()
    assert any(links.values())  # the new pages were linked to
    assert position["incidents/2026-11-26-panne-sms/updates.atom"] < \
        position["incidents/2026-11-26-panne-sms/index.html"]
    assert position["incidents/2026-11-26-panne-sms/index.html"] < \
        position["components/mobile-voice/index.html"]


def test_cli_publishes_and_prints_a_summary(built, endpoint, s3, bucket):
    result = cli_publish(built, f"s3://{bucket}/p", endpoint, "--max-age", "300")
    assert result.exit_code == 0, result.output
    count = len(files_of(built))
    assert result.output.splitlines()[-1].startswith(
        f"s3://{bucket}/p/: uploaded {count}, unchanged 0, deleted 0, ")
    found = s3.head_object(Bucket=bucket, Key="p/index.html")
    assert found["CacheControl"] == "public, max-age=300"
    again = cli_publish(built, f"s3://{bucket}/p", endpoint, "--max-age", "300")
    assert again.output == f"s3://{bucket}/p/: uploaded 0, unchanged {count}, deleted 0, 0 B\n"


def test_a_new_max_age_is_sent_with_the_files_already_online(built, endpoint, s3, bucket):
    """Unchanged files are sent again when their headers online are not the ones due: a
    new --max-age reaches every page, feed and API document, not only the changed ones."""
    count, assets = len(files_of(built)), hashed_assets(built)
    assert cli_publish(built, f"s3://{bucket}", endpoint).exit_code == 0
    longer = cli_publish(built, f"s3://{bucket}", endpoint, "--max-age", "300")
    assert longer.output == (f"s3://{bucket}/: uploaded {count - len(assets)}, unchanged "
                             f"{len(assets)}, deleted 0, {longer.output.split(', ')[-1]}")
    for name in files_of(built):
        found = s3.head_object(Bucket=bucket, Key=name)["CacheControl"]
        assert found == ("public, max-age=31536000, immutable" if name in assets
                         else "public, max-age=300"), name
    again = cli_publish(built, f"s3://{bucket}", endpoint, "--max-age", "300")
    assert again.output == f"s3://{bucket}/: uploaded 0, unchanged {count}, deleted 0, 0 B\n"
    # A publish cut short before the last file of the new max-age: the next one finishes.
    last = max(set(files_of(built)) - assets, key=lambda name: (uploadorder.rank(name), name))
    s3.copy_object(Bucket=bucket, Key=last, CopySource=f"{bucket}/{last}",
                   CacheControl="public, max-age=60", ContentType=publish.content_type(last),
                   MetadataDirective="REPLACE")
    dry = cli_publish(built, f"s3://{bucket}", endpoint, "--max-age", "300", "--dry-run")
    assert f"would upload {count - len(assets)}, unchanged {len(assets)}," in dry.output


def test_without_get_object_only_changed_files_get_new_headers(built, endpoint):
    """A publisher whose policy predates s3:GetObject still publishes (as before)."""
    from botocore.stub import Stubber

    client = storage.make_client(endpoint)
    with Stubber(client) as stub:
        stub.add_client_error("head_object", service_error_code="403", http_status_code=403)
        files = {"static/style.0123456789.css": built / hashed_style(built)}
        assert publish.headers_changed(client, files, {"static/style.0123456789.css": ""},
                                       Target("s3://status", max_age=300)) == frozenset()


def test_a_terminal_gets_a_progress_bar_and_a_pipe_only_the_summary(built, endpoint, bucket):
    def run(*args: str, terminal: bool) -> str:
        command = [sys.executable, "-m", "statuspage", "publish", f"s3://{bucket}/{args[0]}",
                   "--from", str(built), "--endpoint-url", endpoint, *args[1:]]
        if not terminal:
            return subprocess.run(command, capture_output=True, text=True, timeout=120,
                                  check=True).stdout
        leader, follower = pty.openpty()
        with subprocess.Popen(command, stdout=follower, stderr=follower) as process:
            os.close(follower)
            chunks = []
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the other end closed
                    break
                if not chunk:
                    break
                chunks.append(chunk)
            assert process.wait(timeout=120) == 0
        os.close(leader)
        return b"".join(chunks).decode("utf-8")

    shown = run("tty", terminal=True)
    assert "publishing" in shown and "100%" in shown
    assert f"s3://{bucket}/tty/: uploaded {len(files_of(built))}, unchanged 0" in shown
    piped = run("pipe", terminal=False)
    assert piped.startswith(f"s3://{bucket}/pipe/: uploaded ") and "publishing" not in piped


def test_the_desk_edition_is_refused_unless_asked_for_and_then_sent_private(
        built, endpoint, s3, bucket, tmp_path):
    """Issue 35.15: publish --from build-desk succeeded with a warning, and put the internal
    notes in a public bucket."""
    desk = build(built.parent / "site", BuildOptions(out=tmp_path / "build-desk", now=NOW,
                                                     edition=DESK)).out
    refused = cli_publish(desk, f"s3://{bucket}", endpoint)
    assert one_line_error(refused) == (
        f"Error: {desk} holds the support desk edition, with its internal notes (its "
        ".statuspage-build says so): refusing to publish it; publish the public build/ "
        "instead, or give --desk to send it, private, to a bucket no one else can read")
    assert objects(s3, bucket) == {}
    mistaken = cli_publish(built, f"s3://{bucket}", endpoint, "--desk")
    assert one_line_error(mistaken) == (
        f"Error: --desk, but {built} holds the public edition: publish it without --desk, "
        "or give the desk's folder (build-desk/)")
    assert objects(s3, bucket) == {}
    result = cli_publish(desk, f"s3://{bucket}", endpoint, "--desk")
    assert result.exit_code == 0, result.output
    assert "support desk edition" in result.stderr and "must not be public" in result.stderr
    assert s3.head_object(Bucket=bucket, Key="index.html")["CacheControl"] == \
        "private, max-age=60"
    style = hashed_style(desk)
    assert s3.head_object(Bucket=bucket, Key=style)["CacheControl"] == \
        "private, max-age=31536000, immutable"
    public = cli_publish(built, f"s3://{bucket}", endpoint)
    assert "desk" not in public.output
    assert s3.head_object(Bucket=bucket, Key="index.html")["CacheControl"] == \
        "public, max-age=60"


def test_dry_run_lists_the_changes_and_changes_nothing(site_copy, endpoint, s3, bucket):
    publish.publish(site_copy, Target(f"s3://{bucket}", endpoint))
    s3.put_object(Bucket=bucket, Key="stale.html", Body=b"old")
    (site_copy / "updates.atom").write_text("<feed/>", encoding="utf-8")
    before = objects(s3, bucket)
    result = cli_publish(site_copy, f"s3://{bucket}", endpoint, "--dry-run")
    assert result.exit_code == 0, result.output
    count = len(files_of(site_copy))
    assert result.output == ("upload updates.atom\ndelete stale.html\n"
                             f"s3://{bucket}/: would upload 1, unchanged {count - 1}, "
                             "would delete 1, 7 B\n")
    assert objects(s3, bucket) == before


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


def test_a_missing_bucket_is_a_clear_error(built, endpoint):
    line = one_line_error(cli_publish(built, "s3://no-such-bucket/x", endpoint))
    assert line == (f"Error: bucket 'no-such-bucket' does not exist at {endpoint}; "
                    "nothing was changed online")


def test_wrong_credentials_are_a_clear_error_and_change_nothing(built, endpoint, s3, bucket):
    s3.put_object(Bucket=bucket, Key="index.html", Body=b"the site online")
    before = objects(s3, bucket)

    def authentication(count: bytes):  # moto checks credentials once told to (0 requests free)
        request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth", data=count,
                                         headers={"Content-Type": "text/plain"})
        urllib.request.urlopen(request, timeout=5).close()

    authentication(b"0")
    try:
        result = cli_publish(built, f"s3://{bucket}", endpoint)
    finally:
        authentication(b"inf")
    line = one_line_error(result)
    assert line.startswith(f"Error: {endpoint} refused the credentials (InvalidAccessKeyId: ")
    assert line.endswith("check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE; "
                         "nothing was changed online")
    assert objects(s3, bucket) == before


def test_missing_credentials_are_a_clear_error(built, endpoint, bucket, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    line = one_line_error(cli_publish(built, f"s3://{bucket}", endpoint))
    assert line == ("Error: no usable credentials (Unable to locate credentials): set "
                    "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where "
                    "an instance role applies; nothing was changed online")


def test_an_unreachable_endpoint_is_a_clear_transient_error(built, refused):
    closed = refused  # a port nobody listens on
    line = one_line_error(cli_publish(built, "s3://status", closed))
    assert line.startswith(f"Error: cannot reach the storage at {closed}: ")
    assert line.endswith("; nothing was changed online")
    with pytest.raises(PublishError) as caught:
        publish.publish(built, Target("s3://status", closed))
    assert caught.value.transient


@pytest.fixture
def hanging() -> Iterator[str]:
    """A storage that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def test_a_storage_that_never_answers_is_a_clear_transient_error(built, endpoint, hanging,
                                                                monkeypatch):
    """Issue 35.18: publishing to a hanging S3 took 241 s to fail. Each request now waits
    READ_TIMEOUT at most (a second here), for ATTEMPTS tries. (``endpoint``: the test
    credentials.)"""
    client = storage.make_client(hanging)
    assert (client.meta.config.connect_timeout, client.meta.config.read_timeout,
            client.meta.config.retries["total_max_attempts"]) == (
        storage.CONNECT_TIMEOUT, storage.READ_TIMEOUT, storage.ATTEMPTS)
    monkeypatch.setattr(storage, "READ_TIMEOUT", 1)
    line = one_line_error(cli_publish(built, "s3://status", hanging))
    assert line.startswith(f"Error: the storage at {hanging} did not answer in time (Read "
                           "timeout on endpoint URL: ")
    assert line.endswith(f"; tried {storage.ATTEMPTS} times); nothing was changed online")
    with pytest.raises(PublishError) as caught:
        publish.publish(built, Target("s3://status", hanging))
    assert caught.value.transient


def test_a_publish_stops_at_its_time_limit(built, endpoint, s3, bucket):
    with pytest.raises(PublishError) as caught:
        publish.publish(built, Target(f"s3://{bucket}", endpoint, timeout=0))
    assert caught.value.message == ("the publish took over 0 s (the storage is slow or not "
                                    "answering; --timeout to allow more); nothing was changed "
                                    "online")
    assert caught.value.transient and objects(s3, bucket) == {}


def test_aws_endpoint_url_selects_the_storage(built, endpoint, s3, bucket, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    result = publish.publish(built, Target(f"s3://{bucket}"))
    assert result.uploaded == len(files_of(built))


def test_only_a_statuspage_build_is_published(tmp_path, endpoint, bucket):
    missing = cli_publish(tmp_path / "nothing", f"s3://{bucket}", endpoint)
    assert "does not exist: run statuspage build first" in one_line_error(missing)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "index.html").write_text("hello", encoding="utf-8")
    other = cli_publish(tmp_path / "other", f"s3://{bucket}", endpoint)
    assert "was not built by statuspage" in one_line_error(other)
    bad = cli_publish(tmp_path / "other", "https://example.com/bucket", endpoint)
    assert "is not an S3 address" in one_line_error(bad)


def test_invalidate_runs_after_a_publish_that_changed_something(site_copy, endpoint, bucket,
                                                                tmp_path):
    log = tmp_path / "invalidated"
    command = f'echo "$STATUSPAGE_PUBLISHED|$STATUSPAGE_CHANGED_PATHS" >> {log}'
    publish.publish(site_copy, Target(f"s3://{bucket}/s", endpoint))
    (site_copy / "index.html").write_text("new home", encoding="utf-8")
    (site_copy / "updates.rss").write_text("<rss/>", encoding="utf-8")
    first = cli_publish(site_copy, f"s3://{bucket}/s", endpoint, "--invalidate", command)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == f"ran --invalidate: {command}"
    assert log.read_text(encoding="utf-8") == f"s3://{bucket}/s/|/updates.rss /\n"
    second = cli_publish(site_copy, f"s3://{bucket}/s", endpoint, "--invalidate", command)
    assert second.exit_code == 0 and "invalidate" not in second.output
    assert log.read_text(encoding="utf-8").count("\n") == 1
    (site_copy / "index.html").write_text("newer home", encoding="utf-8")
    failing = cli_publish(site_copy, f"s3://{bucket}/s", endpoint, "--invalidate",
                          "echo 'no distribution' >&2; exit 3")
    assert failing.exit_code == 1
    assert "Error: --invalidate failed: exit status 3: no distribution" in failing.output


def test_retry_backs_off_while_the_storage_is_unreachable():
    delays: list[float] = []
    told: list[float] = []
    calls = iter([PublishError("down", transient=True), PublishError("down", transient=True),
                  "published"])

    def transient(err: Exception) -> bool:
        return isinstance(err, PublishError) and err.transient

    def attempt():
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    assert retry(attempt, Backoff(5, 2, sleep=delays.append), transient,
                 on_retry=lambda err, delay: told.append(delay)) == "published"
    assert delays == told == [2, 4]

    def down():
        raise PublishError("down", transient=True)

    delays.clear()
    with pytest.raises(PublishError):
        retry(down, Backoff(4, 10, 25, sleep=delays.append), transient)
    assert delays == [10, 20, 25]

    def refused():
        raise PublishError("bucket 'x' does not exist")

    delays.clear()
    with pytest.raises(PublishError, match="does not exist"):
        retry(refused, Backoff(sleep=delays.append), transient)
    assert delays == []


@pytest.mark.parametrize(("name", "rank"), [
    ("static/style.3f2a1b9c0d.css", uploadorder.ASSET),
    ("static/style.css", uploadorder.PAGE),
    ("incidents/x/index.html", uploadorder.PAGE),
    ("history/index.html", uploadorder.PAGE),
    ("404.html", uploadorder.PAGE),
    ("index.html", uploadorder.HOME),
    ("en/index.html", uploadorder.HOME),
    ("pt-BR/index.html", uploadorder.HOME),
    ("api/v2/summary.json", uploadorder.API),
    ("en/updates.atom", uploadorder.LINKED),
    ("components/tv/maintenance.ics", uploadorder.LINKED),
    ("badge.svg", uploadorder.LINKED),
    ("en/components/tv/badge.svg", uploadorder.LINKED),
    ("embed/status.js", uploadorder.EMBED),
    ("en/embed/banner.html", uploadorder.EMBED),
])
def test_rank(name, rank):
    assert uploadorder.rank(name) == rank
