"""Webhooks to a real HTTP receiver on 127.0.0.1; updates added with the CLI."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import pytest
from click.testing import CliRunner
from conftest import FIBRE, NOW, PARIS, REPO

from statuspage import cli
from statuspage.content.loader import load_site
from statuspage.errors import ContentError
from statuspage.ops.backoff import Backoff
from statuspage.ops.outbox import Outbox, path_for
from statuspage.ops.webhooks import (
    DOCUMENTATION,
    STREAM,
    Webhooks,
    component_payload,
    legacy_path,
    slack_text,
    update_id,
    update_payload,
)
from statuspage.refs import ref_of
from statuspage.state.status import Snapshot

SHORTLINK = f"https://status.test.example/r/{ref_of(FIBRE)}/"


NO_WAIT = Backoff(sleep=lambda delay: None)  # the waits between attempts skipped

@pytest.fixture
def delays() -> list[float]:
    """The waits between attempts: recorded, not slept."""
    return []


@pytest.fixture
def hooks(receiver, site_dir, delays):
    """A Webhooks sending to the receiver, its outbox beside site/build; closed after."""
    made = []

    def make(*urls, attempts: int = 5, **options) -> Webhooks:
        found = Webhooks(urls or (receiver.url,), Outbox(path_for(site_dir / "build")),
                         backoff=Backoff(attempts, sleep=delays.append), **options)
        made.append(found)
        return found

    yield make
    for found in made:
        found.close(timeout=5)


def cli_update(site_dir: Path, monkeypatch, minutes: int, *args: str) -> None:
    """statuspage ARGS, ``minutes`` after NOW."""
    monkeypatch.setattr(cli, "_now", lambda: NOW + timedelta(minutes=minutes))
    result = CliRunner().invoke(cli.main, ["--site", str(site_dir), *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output


def notify(hooks: Webhooks, site_dir: Path, minutes: int):
    events = hooks.notify(load_site(site_dir), NOW + timedelta(minutes=minutes))
    hooks.wait(timeout=10)
    return events


def test_a_first_start_sends_nothing(hooks, receiver, site_dir):
    assert notify(hooks(), site_dir, 0) == []
    assert receiver.requests == []
    box = Outbox(site_dir / ".statuspage-outbox-build")  # beside the output, named after it
    assert f"update {FIBRE}#update-20261126T0710Z-identified" in box.seen(STREAM)
    assert box.facts(STREAM) == {"status fibre": "partial_outage", "status adsl": "operational",
                                 "status billing": "operational"}
    assert box.states() == []
    assert receiver.url.encode() not in box.path.read_bytes()  # a secret


def test_each_new_update_is_posted_once_in_statuspage_shape(hooks, receiver, site_dir,
                                                             monkeypatch):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring",
               "-m", "Le câble est réparé, nous surveillons.")
    events = notify(webhooks, site_dir, 2)
    assert [e.key for e in events] == [f"update {FIBRE}#update-20261126T1101Z-monitoring"]
    (request,) = receiver.requests
    assert request["path"] == "/hooks/secret-token"
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert list(body) == ["meta", "page", "incident"]
    assert body["meta"] == {"unsubscribe": None, "documentation": DOCUMENTATION}
    assert set(body["page"]) == {"id", "status_indicator", "status_description"}
    assert body["page"]["status_indicator"] == "major"
    assert body["page"]["status_description"] == "Partial System Outage"
    incident = body["incident"]
    assert (incident["id"], incident["status"], incident["shortlink"]) == (
        FIBRE, "monitoring", SHORTLINK)
    assert incident["monitoring_at"] == "2026-11-26T12:01:00.000+01:00"
    latest = incident["incident_updates"][0]
    assert latest["id"] == f"{FIBRE}#update-20261126T1101Z-monitoring"
    assert latest["body"] == "Le câble est réparé, nous surveillons."
    assert [u["status"] for u in incident["incident_updates"]] == [
        "monitoring", "identified", "investigating"]
    assert incident["components"][0]["id"] == "fibre"

    assert notify(webhooks, site_dir, 3) == []
    assert len(receiver.requests) == 1


def test_updates_are_posted_in_order_each_as_the_page_stood(hooks, receiver, site_dir,
                                                            monkeypatch):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring", "-m", "A")
    cli_update(site_dir, monkeypatch, 2, "update", FIBRE, "--status", "identified", "-m", "B")
    notify(webhooks, site_dir, 5)
    first, second = receiver.bodies()
    assert [u["body"] for u in first["incident"]["incident_updates"][:1]] == ["A"]
    assert first["incident"]["status"] == "monitoring"
    assert [u["body"] for u in second["incident"]["incident_updates"][:2]] == ["B", "A"]


def test_a_failed_post_is_retried_with_backoff(hooks, receiver, site_dir, monkeypatch,
                                               delays):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    receiver.answers = [503, 500]
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring", "-m", "A")
    notify(webhooks, site_dir, 2)
    assert len(receiver.requests) == 3
    assert receiver.bodies()[0] == receiver.bodies()[2]
    assert delays == [2.0, 4.0]
    assert notify(webhooks, site_dir, 3) == []


def test_a_restart_sends_nothing_twice_and_what_failed_is_sent(hooks, receiver, site_dir,
                                                               monkeypatch):
    before = hooks(attempts=2)
    notify(before, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring", "-m", "A")
    notify(before, site_dir, 2)
    assert len(receiver.requests) == 1
    receiver.answers = [503, 503]  # the next one fails every attempt
    cli_update(site_dir, monkeypatch, 3, "update", FIBRE, "--status", "identified", "-m", "B")
    notify(before, site_dir, 4)
    assert len(receiver.requests) == 3
    before.close(timeout=5)

    after = hooks()  # a restart, with the same outbox: B was queued, not delivered
    assert notify(after, site_dir, 5) == []
    assert len(receiver.requests) == 4
    assert receiver.bodies()[3]["incident"]["incident_updates"][0]["body"] == "B"
    assert notify(hooks(), site_dir, 6) == []


def test_a_final_answer_is_not_retried(hooks, receiver, site_dir, monkeypatch, delays):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    receiver.answers = [404]
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring", "-m", "A")
    notify(webhooks, site_dir, 2)
    assert len(receiver.requests) == 1 and delays == []
    assert notify(webhooks, site_dir, 3) == []


def test_an_unreachable_receiver_is_retried_then_left_for_the_next_notify(hooks, site_dir,
                                                                          monkeypatch, delays,
                                                                          refused):
    closed = refused + "/hook"  # a port nobody listens on
    webhooks = hooks(closed, attempts=4)
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring", "-m", "A")
    assert len(notify(webhooks, site_dir, 2)) == 1
    assert delays == [2.0, 4.0, 8.0]
    assert notify(webhooks, site_dir, 3) == []  # queued once, but tried again
    assert delays == [2.0, 4.0, 8.0] * 2
    assert webhooks.outbox.states() == [
        (ANY, f"update {FIBRE}#update-20261126T1101Z-monitoring", "pending")]


def test_component_changes_go_out_as_component_update(hooks, receiver, site_dir, monkeypatch):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "resolve", FIBRE, "-m", "Réparé.")
    events = notify(webhooks, site_dir, 2)
    assert [e.key for e in events] == [f"update {FIBRE}#update-20261126T1101Z-resolved",
                                       "component fibre 1"]
    change = receiver.bodies()[1]
    assert list(change) == ["meta", "page", "component_update", "component"]
    assert change["page"]["status_indicator"] == "none"
    assert change["component_update"] == {
        "created_at": "2026-11-26T12:01:00.000+01:00", "new_status": "operational",
        "old_status": "partial_outage", "id": "fibre@2026-11-26T12:01:00.000+01:00",
        "component_id": "fibre"}
    assert change["component"]["id"] == "fibre"
    assert change["component"]["name"] == "Fibre broadband"
    assert change["component"]["status"] == "operational"
    assert set(change["component"]) == {"created_at", "id", "name", "status"}
    assert notify(webhooks, site_dir, 3) == []


def test_each_url_keeps_its_own_account(hooks, receiver, site_dir, monkeypatch, refused):
    closed = refused + "/hook"  # a port nobody listens on
    webhooks = hooks(receiver.url, closed, attempts=1)
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "resolve", FIBRE, "-m", "Réparé.")
    assert len(notify(webhooks, site_dir, 2)) == 4
    assert len(receiver.requests) == 2
    notify(webhooks, site_dir, 3)
    assert len(receiver.requests) == 2
    states = webhooks.outbox.states()
    events = [f"update {FIBRE}#update-20261126T1101Z-resolved", "component fibre 1"]
    assert sorted(state for _, event, state in states) == [
        "delivered", "delivered", "pending", "pending"]  # the closed one's, kept for later
    assert {event for _, event, _ in states} == set(events)


def test_slack_format(hooks, receiver, site_dir, monkeypatch):
    webhooks = hooks(fmt="slack")
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring",
               "-m", "Câble réparé (2 > 1) & testé.")
    cli_update(site_dir, monkeypatch, 2, "resolve", FIBRE, "-m", "Fini.")
    notify(webhooks, site_dir, 3)
    assert receiver.bodies() == [
        {"text": "*Monitoring*: Coupure fibre à Lyon\n"
                 "Câble réparé (2 &gt; 1) &amp; testé.\n"
                 f"<{SHORTLINK}>"},
        {"text": f"*Resolved*: Coupure fibre à Lyon\nFini.\n<{SHORTLINK}>"},
        {"text": "*Fibre broadband*: Operational (Partial outage before)\n"
                 "<https://status.test.example/en/components/fibre/>"},
    ]


def test_site_yaml_webhooks_are_validated_and_used(hooks, receiver, site_dir, monkeypatch):
    config = site_dir / "content" / "site.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "webhooks:\n  - ftp://example.com/x\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_site(site_dir)
    line = len(text.splitlines()) + 2
    assert str(caught.value.problems[0]) == (
        f"content/site.yaml:{line}: webhooks: 'ftp://example.com/x' is not an http(s) URL such as "
        "https://status.example.com")
    config.write_text(text + f"webhooks:\n  - {receiver.url}\n", encoding="utf-8")
    webhooks = Webhooks((), Outbox(path_for(site_dir / "build")), backoff=NO_WAIT)
    try:
        notify(webhooks, site_dir, 0)
        cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "--status", "monitoring",
                   "-m", "A")
        assert len(notify(webhooks, site_dir, 2)) == 1
        assert len(receiver.requests) == 1
    finally:
        webhooks.close(timeout=5)


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown webhook format 'teams'"):
        Webhooks(("https://example.com/",), Outbox(tmp_path / "outbox"), fmt="teams")


def test_the_examples_in_docs_publish_md_are_real_output():
    """docs/publish.md shows the shipped example site's payloads (lists cut to one entry)."""
    text = (REPO / "docs" / "publish.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```json\n(.+?)\n```", text.split("\n## Webhooks\n")[1], re.S)
    update_doc, component_doc, update_slack, component_slack = map(json.loads, blocks)
    site = load_site(REPO)
    fibre = site.incident("2026-11-26-coupure-fibre-lyon")
    real = update_payload(site, fibre, fibre.updates[0])
    for key in ("incident_updates", "components"):
        real["incident"][key] = real["incident"][key][:1]
    real["incident"]["incident_updates"][0]["affected_components"] = \
        real["incident"]["incident_updates"][0]["affected_components"][:1]
    assert update_doc == real
    assert update_slack == slack_text(site, update_payload(site, fibre, fibre.updates[0]))
    change = component_payload(site, datetime(2026, 11, 26, 12, tzinfo=PARIS), "fibre",
                               "operational")
    assert component_doc == change
    assert component_slack == slack_text(site, change)


def posted(receiver) -> list[tuple[str, str]]:
    """(status, text) of each incident payload's own update, in the order received."""
    return [(b["incident"]["incident_updates"][0]["status"],
             b["incident"]["incident_updates"][0]["body"])
            for b in receiver.bodies() if "incident" in b]


def test_two_updates_in_one_minute_are_two_events_each_built_from_its_own(
        hooks, receiver, site_dir, monkeypatch):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")
    assert notify(webhooks, site_dir, 1)  # A is sent in its minute
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "B")
    cli_update(site_dir, monkeypatch, 1, "resolve", FIBRE, "-m", "C")
    events = notify(webhooks, site_dir, 2)
    anchor = f"update {FIBRE}#update-20261126T1101Z"
    assert [e.key for e in events if e.key.startswith("update")] == [
        f"{anchor}-identified-2", f"{anchor}-resolved"]
    assert posted(receiver) == [("identified", "A"), ("identified", "B"), ("resolved", "C")]
    updates = [b["incident"]["incident_updates"] for b in receiver.bodies() if "incident" in b]
    assert [len(found) for found in updates] == [3, 4, 5]  # each as it stood once posted
    assert [b["incident"]["status"] for b in receiver.bodies() if "incident" in b] == [
        "identified", "identified", "resolved"]
    assert notify(webhooks, site_dir, 3) == []


def test_an_update_in_flight_is_not_queued_again_by_the_next_builds(
        hooks, receiver, site_dir, monkeypatch):
    """A slow receiver: the builds made while it answers queue no second POST."""
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")
    receiver.open.clear()
    assert len(webhooks.notify(load_site(site_dir), NOW + timedelta(minutes=2))) == 1
    assert not webhooks.wait(timeout=0.2)  # in flight
    for minutes in (3, 4, 5):
        assert webhooks.notify(load_site(site_dir), NOW + timedelta(minutes=minutes)) == []
    receiver.open.set()
    assert webhooks.wait(timeout=10)
    assert posted(receiver) == [("identified", "A")]
    assert notify(webhooks, site_dir, 6) == []
    assert len(receiver.requests) == 1


def test_an_incident_moved_aside_and_back_sends_nothing_again(hooks, receiver, site_dir,
                                                              monkeypatch, tmp_path):
    webhooks = hooks()
    notify(webhooks, site_dir, 0)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")
    notify(webhooks, site_dir, 2)
    moved = (f"{FIBRE}.md", "2026-11-20-double-charge.md", "2026-11-20-double-charge.en.md")
    for name in moved:
        (site_dir / "incidents" / name).rename(tmp_path / name)
    notify(webhooks, site_dir, 3)
    for name in moved:
        (tmp_path / name).rename(site_dir / "incidents" / name)
    notify(webhooks, site_dir, 4)
    notify(hooks(), site_dir, 5)  # and after a restart
    assert posted(receiver) == [("identified", "A")]
    # The page did change meanwhile: the service's status went out, each way once.
    changes = [b["component_update"] for b in receiver.bodies() if "component_update" in b]
    assert [(c["old_status"], c["new_status"]) for c in changes] == [
        ("partial_outage", "operational"), ("operational", "partial_outage")]


def test_the_first_start_is_recorded_when_the_content_is_loaded(hooks, receiver, site_dir,
                                                                monkeypatch):
    """Killed before its first build: the next start is no first start, and what was
    posted in between is sent."""
    hooks().loaded(load_site(site_dir), NOW)
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")
    again = hooks()
    again.loaded(load_site(site_dir), NOW + timedelta(minutes=2))  # no new baseline
    assert [e.key for e in notify(again, site_dir, 2)] == [
        f"update {FIBRE}#update-20261126T1101Z-identified"]
    assert posted(receiver) == [("identified", "A")]


def test_two_sites_whose_outputs_share_a_folder_keep_apart(receiver, tmp_path, site_dir,
                                                           monkeypatch):
    other = tmp_path / "other"
    shutil.copytree(site_dir, other)
    shared = tmp_path / "www"

    def started(root: Path, out: str) -> Webhooks:
        return Webhooks([receiver.url], Outbox(path_for(shared / out)), backoff=NO_WAIT)

    first, second = started(site_dir, "a"), started(other, "b")
    try:
        for webhooks, root in ((first, site_dir), (second, other)):
            notify(webhooks, root, 0)
        cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")  # while b is down
        second.close(timeout=5)
        cli_update(other, monkeypatch, 2, "update", FIBRE, "-m", "B")
        notify(first, site_dir, 3)
        second = started(other, "b")  # b restarts: its own update, none of a's, no history
        notify(second, other, 4)
        assert sorted(posted(receiver)) == [("identified", "A"), ("identified", "B")]
    finally:
        first.close(timeout=5)
        second.close(timeout=5)


def test_the_state_file_of_earlier_versions_is_carried_over_once(receiver, site_dir,
                                                                 monkeypatch):
    out = site_dir / "build"
    site = load_site(site_dir)
    sent = [update_id(v.incident, u) for v in Snapshot(site, NOW).published for u in v.updates]
    digest = hashlib.sha256(receiver.url.encode()).hexdigest()[:16]
    legacy = legacy_path(out)
    legacy.write_text(json.dumps({"version": 1, "webhooks": {digest: {
        "updates": sent, "components": {"fibre": "partial_outage", "adsl": "operational",
                                        "billing": "operational"}}}}), encoding="utf-8")
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")  # while upgrading

    def started() -> Webhooks:
        return Webhooks([receiver.url], Outbox(path_for(out)), legacy=legacy,
                        backoff=NO_WAIT)

    webhooks = started()
    try:
        webhooks.loaded(load_site(site_dir), NOW + timedelta(minutes=2))
        assert len(notify(webhooks, site_dir, 2)) == 1
        assert posted(receiver) == [("identified", "A")]
        assert webhooks.outbox.meta(f"migrated {STREAM}") == str(legacy)
    finally:
        webhooks.close(timeout=5)
    legacy.write_text(json.dumps({"version": 1, "webhooks": {digest: {
        "updates": [], "components": {}}}}), encoding="utf-8")
    webhooks = started()  # read once: not again
    try:
        assert notify(webhooks, site_dir, 3) == []
        assert len(receiver.requests) == 1
    finally:
        webhooks.close(timeout=5)


def test_an_output_given_to_another_site_sends_none_of_its_history(hooks, receiver, site_dir,
                                                                   monkeypatch, caplog):
    notify(hooks(), site_dir, 0)
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "https://status.test.example", "https://status.other.example"), encoding="utf-8")
    cli_update(site_dir, monkeypatch, 1, "update", FIBRE, "-m", "A")  # its history, here
    assert notify(hooks(), site_dir, 2) == []
    assert "not https://status.other.example: a first start for this site" in caplog.text
    cli_update(site_dir, monkeypatch, 3, "update", FIBRE, "-m", "B")
    assert len(notify(hooks(), site_dir, 4)) == 1
    assert posted(receiver) == [("identified", "B")]
