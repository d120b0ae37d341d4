"""A daemon's restored words kept in a file of its own, not its memory (content/spill.py)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import FIBRE, NOW, TRANSLATED

from statuspage.content import spill as spilling
from statuspage.content.loader import Loader, cache_for, load_site
from statuspage.content.spill import Spill
from statuspage.forking import forked_map
from statuspage.freeze.build import BuildOptions, build
from statuspage.ops.daemon import Daemon, RunOptions
from statuspage.texts import LazyText


def _texts(incident) -> list:
    return [incident.title, incident.summary, incident.who_is_affected, incident.what_to_do,
            *(update.body for update in incident.updates)]


def _restored(site: Path, spill: Spill):
    loader = Loader(site, cache=cache_for(site / "build"))
    loader.spill_words(spill)
    return loader.load()


def test_restored_words_wait_in_the_spill_and_read_back_as_parsed(site_dir, request):
    """At 100,000 incidents the words of those never shown were 72 MB of a daemon's memory:
    a restore leaves each row's words in the spill file, and a text first shown reads them
    back, the same words as its file's. The file has no name: nothing is left beside the
    site, even if the daemon is killed."""
    build(site_dir, BuildOptions(now=NOW))
    before = sorted(os.listdir(site_dir))
    spill = Spill(site_dir)
    site = _restored(site_dir, spill)
    request.addfinalizer(spill.close)
    lazy = [text for incident in site.incidents for text in _texts(incident)
            if isinstance(text, LazyText)]
    assert lazy and spill.size > 0
    # Held by their place in the file, not as bytes in memory; each text 48 bytes, its
    # place in the row its class's (a million texts at 100,000 incidents: 64 bytes each
    # with a slot for it).
    assert all(isinstance(text._held._blob, int) for text in lazy)
    assert {sys.getsizeof(text) for text in lazy} == {48}
    assert len({type(text) for text in lazy}) > 1
    parsed = load_site(site_dir)
    for incident in site.incidents:
        assert _texts(incident) == _texts(parsed.incident(incident.id))
    assert parsed.incident(TRANSLATED).title == site.incident(TRANSLATED).title
    assert sorted(os.listdir(site_dir)) == before


def test_a_forked_worker_reads_the_words_and_writes_none(tmp_path, request):
    """A build's workers are forked: they read the words put before (written or not yet),
    and never write to the file, whose end only the daemon knows."""
    spill = Spill(tmp_path)
    request.addfinalizer(spill.close)
    small = [spill.put(bytes([n]) * 1000) for n in range(3)]  # gathered, not written yet
    big = spill.put(b"\xff" * spilling.CHUNK)  # written, with those before it
    late = spill.put(b"late")  # gathered again
    assert None not in (*small, big, late)
    assert os.listdir(tmp_path) == []  # the file has no name
    wanted = [bytes([n]) * 1000 for n in range(3)] + [b"\xff" * spilling.CHUNK, b"late"]
    places = [*small, big, late]

    def in_worker(_: int) -> tuple[list[bytes], int | None]:
        return [spill.read(place) for place in places], spill.put(b"from a worker")

    assert forked_map(in_worker, 1) == [(wanted, None)]
    spill.flush()
    assert [spill.read(place) for place in places] == wanted
    assert spill.size == sum(map(len, wanted))


def test_words_that_cannot_be_written_stay_in_memory(site_dir, monkeypatch):
    """A spill whose file cannot be made (a full disk, a folder gone) keeps what it was
    given, and every later row's words stay in memory: a page still shows them."""
    build(site_dir, BuildOptions(now=NOW))
    monkeypatch.setattr(spilling, "CHUNK", 1)  # the first row's words: a write, which fails
    spill = Spill(site_dir / "gone")
    site = _restored(site_dir, spill)
    rows = {id(text._held): text._held._blob for incident in site.incidents
            for text in _texts(incident) if isinstance(text, LazyText)}
    assert len(rows) >= 2
    assert sum(isinstance(blob, int) for blob in rows.values()) == 1  # the first row's
    assert sum(isinstance(blob, bytes) for blob in rows.values()) == len(rows) - 1
    parsed = load_site(site_dir)
    for incident in site.incidents:
        assert _texts(incident) == _texts(parsed.incident(incident.id))
    assert spill.put(b"more") is None


def test_words_are_not_read_once_the_spill_is_closed(tmp_path):
    """A daemon closes its spill when it stops; a follower still running then (an upload
    past its time) reads nothing from a closed file, nor from a number the system gave
    another: a clear error, which the follower logs."""
    spill = Spill(tmp_path)
    place = spill.put(b"words")
    spill.flush()
    assert place is not None and spill.read(place) == b"words"
    spill.close()
    with pytest.raises(OSError, match="closed"):
        spill.read(place)
    assert spill.put(b"more") is None


def test_a_daemon_restarted_on_its_site_shows_the_words_it_spilled(site_dir, monkeypatch):
    """A daemon started on a built site restores every incident into its spill, and the
    pages it publishes from them show their words; the incident whose file then changes is
    parsed again, the others still read from the spill."""
    monkeypatch.chdir(site_dir)
    build(site_dir, BuildOptions(now=NOW))
    daemon = Daemon(site_dir, RunOptions(), clock=lambda: NOW)
    daemon.start(paused=True)
    try:
        assert daemon.spill.size > 0
        page = site_dir / "build" / "incidents" / FIBRE / "index.html"
        parsed = load_site(site_dir).incident(FIBRE)
        assert parsed.title["fr"] in page.read_text("utf-8")
        path = site_dir / "incidents" / f"{FIBRE}.md"
        path.write_text(path.read_text("utf-8").replace(parsed.title["fr"], "Fibre revenue"),
                        "utf-8")
        daemon.poll()
        assert "Fibre revenue" in page.read_text("utf-8")
        other = site_dir / "build" / "incidents" / TRANSLATED / "index.html"
        assert load_site(site_dir).incident(TRANSLATED).title["fr"] in \
            other.read_text("utf-8")
    finally:
        daemon.stop()
