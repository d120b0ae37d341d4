"""The subscribers' store, on SQLite and on a throwaway PostgreSQL (tests/pg.py)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from statuspage.content import emails
from statuspage.ops import subscribers
from statuspage.ops.subscribers import ALL, COMPONENT, INCIDENT, Store

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@pytest.fixture
def store(db_url):
    with Store(db_url) as opened:
        yield opened


def test_a_request_is_stored_until_confirmed_by_its_token(store):
    token = store.request("Ann@Example.COM", "fr", INCIDENT, "2026-11-26-fibre-lyon", now=T0)
    assert token and len(token) >= 43  # 256 random bits, url-safe
    [found] = store.all()
    assert (found.email, found.lang, found.scope, found.confirmed) == (
        "ann@example.com", "fr", "incident 2026-11-26-fibre-lyon", None)
    assert store.confirm("wrong", now=T0) is None
    confirmed = store.confirm(token, now=T0 + timedelta(hours=1))
    assert confirmed is not None and confirmed.confirmed == T0 + timedelta(hours=1)
    assert store.confirm(token, now=T0) is None  # used once
    assert store.request("ann@example.com", "en", INCIDENT, "2026-11-26-fibre-lyon") is None


def test_only_the_tokens_hash_is_stored(store):
    token = store.request("ann@example.com", "fr", now=T0)
    with store.engine.connect() as conn:
        dump = repr(conn.execute(sa.select(subscribers.subscriptions)).all())
    assert token not in dump
    assert subscribers.token_hash(token) in dump


def test_an_unconfirmed_request_expires_after_seven_days(store):
    token = store.request("ann@example.com", "fr", now=T0)
    assert store.pending(token, now=T0 + timedelta(days=6, hours=23)) is not None
    assert store.confirm(token, now=T0 + timedelta(days=7, minutes=1)) is None
    store.request("bob@example.com", "fr", now=T0 + timedelta(days=8))
    assert [s.email for s in store.all()] == ["bob@example.com"]  # ann's forgotten


def test_recipients_one_per_address_from_every_matching_scope(store):
    store.add_confirmed([
        ("ann@example.com", "fr", ALL, ""),
        ("ann@example.com", "en", INCIDENT, "x"),  # the narrowest wins: en
        ("bob@example.com", "fr", COMPONENT, "fibre"),
        ("cid@example.com", "fr", COMPONENT, "mobile"),
        ("dan@example.com", "en", INCIDENT, "other"),
    ], now=T0)
    store.request("eve@example.com", "fr", ALL, "", now=T0)  # unconfirmed
    found = [(email, lang) for _n, email, lang in store.recipients("x", ["fibre", "tv"])]
    assert found == [("ann@example.com", "en"), ("bob@example.com", "fr")]


def test_unsubscribe_tokens_are_checked_not_stored(store):
    store.add_confirmed([("ann@example.com", "fr", ALL, "")], now=T0)
    [sub] = store.all()
    token = store.leave_token(sub.id)
    assert store.by_leave_token(token) == sub
    assert store.by_leave_token(token[:-1] + ("0" if token[-1] != "0" else "1")) is None
    assert store.by_leave_token(f"{sub.id + 1}.{token.split('.')[1]}") is None
    assert store.by_leave_token("x.y") is None
    with Store(store.url) as again:  # the secret is the database's
        assert again.leave_token(sub.id) == token


def test_three_bounces_drop_the_address_and_a_delivery_forgives(store):
    store.add_confirmed([("ann@example.com", "fr", ALL, ""),
                         ("ann@example.com", "fr", COMPONENT, "tv")], now=T0)
    assert store.bounced("ann@example.com") is False
    store.delivered("ann@example.com")
    assert {s.bounces for s in store.all()} == {0}
    assert [store.bounced("ann@example.com") for _ in range(3)] == [False, False, True]
    assert store.all() == []


def test_delete_and_import_keep_what_is_there(store):
    assert store.add_confirmed([("ann@example.com", "fr", ALL, ""),
                                ("ann@EXAMPLE.com", "fr", ALL, ""),
                                ("bob@example.com", "en", ALL, "")], now=T0) == 2
    assert store.delete("ann@example.com") == 1
    assert [s.email for s in store.all()] == ["bob@example.com"]


def test_a_version_1_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:  # what version 1 made: no bounce count
        db.executescript("""
            CREATE TABLE statuspage_meta (key VARCHAR(64) PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO statuspage_meta VALUES ('version', '1');
            CREATE TABLE statuspage_subscriptions (
                id INTEGER PRIMARY KEY, email VARCHAR(254) NOT NULL, lang VARCHAR(16) NOT NULL,
                kind VARCHAR(16) NOT NULL, target VARCHAR(128) NOT NULL DEFAULT '',
                requested DATETIME NOT NULL, confirmed DATETIME, token_hash VARCHAR(64),
                CONSTRAINT statuspage_one_scope UNIQUE (email, kind, target));
            INSERT INTO statuspage_subscriptions (email, lang, kind, target, requested, confirmed)
                VALUES ('ann@example.com', 'fr', 'all', '', '2026-11-01 10:00:00.000000',
                        '2026-11-01 10:05:00.000000');
        """)
    with Store(f"sqlite:///{path}") as store:
        _check_upgraded(store)


def _check_upgraded(store):
    [sub] = store.all()
    assert (sub.email, sub.bounces, sub.confirmed) == (
        "ann@example.com", 0, datetime(2026, 11, 1, 10, 5, tzinfo=UTC))
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT value FROM statuspage_meta WHERE key='version'")
                            ).scalar() == str(subscribers.VERSION)
    assert store.bounced("ann@example.com") is False


def test_sqlite_is_in_wal_mode(tmp_path):
    with Store(subscribers.database_url(tmp_path, None)) as store, \
            store.engine.connect() as conn:
        assert (tmp_path / subscribers.DEFAULT_FILE).is_file()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_addresses_that_could_carry_a_header_are_refused():
    for bad in ["ann@example.com\r\nBcc: all@example.com", "ann@example.com, bob@x.com",
                "<ann@example.com>", "ann example@x.com", "ann@", "@x.com", "ann@x",
                "a" * 65 + "@x.com", "ann@example.com\n", "ann@exa_mple.com"]:
        assert emails.address_problem(bad), bad
    assert emails.address_problem("ann.o'neil+status@mail.example.co.uk") is None
