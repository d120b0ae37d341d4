"""Converted Markdown kept across builds (``.statuspage-converted-build``): a text is
converted once, whichever process renders it and however many builds later; a row is
used only when the file is the user's own, of this converter's version, and signed with
the site's key."""

from __future__ import annotations

import os
import sqlite3
import tracemalloc
from pathlib import Path

import markdown
import pytest
from conftest import NOW

from statuspage import markup, sqlitefiles
from statuspage.freeze import converted, rendering
from statuspage.freeze.build import BuildOptions, build

STORE = ".statuspage-converted-build"


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".statuspage-build"}


def _rows(site: Path) -> dict[bytes, bytes]:
    with sqlite3.connect(site / STORE) as db:
        return dict(db.execute("SELECT digest, html FROM texts").fetchall())


def _conversions(monkeypatch) -> list[str]:
    """The texts Python-Markdown converts in this process from here on (none of them
    remembered by it already)."""
    markup.forget()
    converted_texts: list[str] = []
    real = markdown.Markdown.convert

    def converting(md, text):
        converted_texts.append(text)
        return real(md, text)

    monkeypatch.setattr(markdown.Markdown, "convert", converting)
    return converted_texts


def _full(site: Path) -> dict[str, bytes]:
    markup.forget()  # as a new process: nothing converted yet
    build(site, BuildOptions(now=NOW, full=True, workers=1))
    return _files(site / "build")


def test_a_second_build_converts_no_text_and_writes_the_same_bytes(example_dir, monkeypatch):
    first = _full(example_dir)
    rows = _rows(example_dir)
    assert len(rows) > 20  # the example's texts that Markdown converts (lists, links…)
    assert all(b"<p>" in html or b"<ul>" in html or b"<h" in html for html in rows.values())
    made = _conversions(monkeypatch)
    assert _full(example_dir) == first
    assert made == []


def test_forked_workers_read_and_keep_converted_texts_without_sqlite(example_dir,
                                                                       monkeypatch):
    """Forked workers never open SQLite (a lock a daemon's thread held at the fork would
    be held forever in them): the builder reads the rows for them, and adds theirs."""
    builder, connect = os.getpid(), sqlitefiles.connect

    def connect_in_builder(path):
        assert os.getpid() == builder, "a forked worker opened SQLite"
        return connect(path)

    monkeypatch.setattr(sqlitefiles, "connect", connect_in_builder)
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 2)
    markup.forget()
    build(example_dir, BuildOptions(now=NOW, workers=2))
    first = _files(example_dir / "build")
    assert len(_rows(example_dir)) > 20  # the workers converted them; the builder wrote them

    class Broken:
        def convert(self, text):
            raise AssertionError(f"converted again: {text!r}")

    monkeypatch.setattr(markup, "_markdown", Broken)  # in the workers too (forked after)
    markup.forget()
    build(example_dir, BuildOptions(now=NOW, full=True, workers=2))
    assert _files(example_dir / "build") == first


def test_a_planted_row_is_never_shown(example_dir, monkeypatch):
    first = _full(example_dir)
    with sqlite3.connect(example_dir / STORE) as db:  # the HTML changed, its HMAC kept
        db.execute("UPDATE texts SET html = CAST('<p>planted</p>' AS BLOB)")
    made = _conversions(monkeypatch)
    assert _full(example_dir) == first
    assert len(made) == len(_rows(example_dir))  # none believed: all converted again
    with sqlite3.connect(example_dir / STORE) as db:  # columns that are not even blobs
        db.execute("UPDATE texts SET html = 'planted', mac = 'x'")
    assert _full(example_dir) == first


def test_a_row_signed_for_another_text_is_not_used(example_dir, monkeypatch):
    first = _full(example_dir)
    with sqlite3.connect(example_dir / STORE) as db:  # each row's HTML and HMAC moved on
        rows = db.execute("SELECT digest, html, mac FROM texts ORDER BY digest").fetchall()
        db.executemany("UPDATE texts SET html = ?, mac = ? WHERE digest = ?",
                       [(html, mac, rows[(n + 1) % len(rows)][0])
                        for n, (_, html, mac) in enumerate(rows)])
    made = _conversions(monkeypatch)
    assert _full(example_dir) == first
    assert len(made) == len(rows)


def test_rows_of_another_converter_are_not_used_and_go_at_the_next_write(example_dir,
                                                                          monkeypatch):
    first = _full(example_dir)
    count = len(_rows(example_dir))
    with sqlite3.connect(example_dir / STORE) as db:  # a text no longer on the site
        db.execute("INSERT INTO texts VALUES (?, ?, ?)", (b"x" * 32, b"<p>old</p>", b"y"))
    monkeypatch.setattr(converted, "VERSION", "another-converter")
    made = _conversions(monkeypatch)
    assert _full(example_dir) == first
    assert len(made) == count  # all converted again, and written for this version
    with sqlite3.connect(example_dir / STORE) as db:
        assert db.execute("SELECT value FROM meta").fetchall() == [("another-converter",)]
    assert len(_rows(example_dir)) == count  # the other version's rows went


def test_a_store_others_may_read_is_not_believed(example_dir, monkeypatch):
    first = _full(example_dir)
    os.chmod(example_dir / STORE, 0o644)
    made = _conversions(monkeypatch)
    assert _full(example_dir) == first
    assert made  # converted again: the file was not read
    assert os.stat(example_dir / STORE).st_mode & 0o777 == 0o600  # made anew, private


def test_a_store_that_cannot_be_written_is_said_once(example_dir):
    (example_dir / STORE).mkdir()  # not a file: nothing can be written there
    markup.forget()
    result = build(example_dir, BuildOptions(now=NOW, workers=1))
    said = [note for note in result.notes if "converted texts could not be kept" in note]
    assert len(said) == 1 and STORE in said[0]
    assert (example_dir / "build" / "index.html").is_file()


@pytest.mark.parametrize("text", ["- one\n- two", "**bold** and [a link](https://x.example)"])
def test_a_text_is_looked_up_by_its_digest(tmp_path, text):
    store = converted.Converted(tmp_path / STORE, tmp_path)
    assert store.get(text) is None
    store.add(text, "<p>made</p>")
    store.flush()
    assert store.get(text) == "<p>made</p>"
    assert store.get(text + " ") is None


def test_workers_that_cannot_hand_their_texts_over_still_publish(example_dir, monkeypatch):
    monkeypatch.setattr(rendering, "PARALLEL_FROM", 2)
    monkeypatch.setattr(converted.tempfile, "mkdtemp",  # a folder that is not there
                        lambda prefix: str(example_dir / "gone"))
    markup.forget()
    build(example_dir, BuildOptions(now=NOW, workers=2))
    assert (example_dir / "build" / "index.html").is_file()


def test_the_rows_read_for_forked_workers_hold_no_object_per_text(tmp_path):
    """Before a build forks its render workers, the builder reads every trusted row for
    them (700,000 texts at 100,000 incidents): row by row into two blocks of bytes, so
    that it takes about what the rows weigh, where a list of them first took several
    times that (220 MB more of a daemon at 100,000, at each build that forks)."""
    store = converted.Converted(tmp_path / STORE, tmp_path)
    texts = {f"text {n}": f"<p>text {n} {'x' * 80}</p>" for n in range(20_000)}
    for text, html in texts.items():
        store.add(text, html)
    store.flush()
    weight = sum(converted.SIZE + len(html) for html in texts.values())
    tracemalloc.start()
    try:
        store.before_fork()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * weight
    rows = store._rows
    assert rows is not None
    assert all(rows.get(converted.digest(text)) == html.encode() for text, html in texts.items())
    assert rows.get(converted.digest("not stored")) is None
    assert rows.get(b"\xff" * converted.SIZE) is None and rows.get(b"\0" * converted.SIZE) is None
    store.flush()
    # Digests that begin alike (found by their first 8 bytes, then compared whole).
    alike = [b"\1" * 8 + bytes([n]) * 24 for n in range(3)]
    shared = converted.Rows((found, bytes([65 + n])) for n, found in enumerate(alike))
    assert [shared.get(found) for found in alike] == [b"A", b"B", b"C"]
    assert shared.get(b"\1" * 8 + b"\x09" * 24) is None
