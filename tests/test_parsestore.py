"""The parse cache on disk (SQLite, one signed row per incident): a build reads the rows of
unchanged files and writes only the rows of what it parsed again; nothing in the file is
unpickled unless the file is the user's own and private and the row carries the site's
HMAC."""

from __future__ import annotations

import hmac
import os
import pickle
import shutil
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import FIBRE, NOW, TRANSLATED

import statuspage.content.loader as loading
from statuspage import texts
from statuspage.content.loader import Loader, cache_for, load_site
from statuspage.freeze.build import BuildOptions, build
from statuspage.texts import Text

CACHE = ".statuspage-cache-build"


def _rows(site: Path) -> dict[str, int]:
    """Each incident's row: the number of the save that wrote it."""
    with sqlite3.connect(site / CACHE) as db:
        rows = dict(db.execute("SELECT id, saved FROM incidents").fetchall())
    return {key.decode(): saved for key, saved in rows.items()}


def _parses(monkeypatch) -> list[str]:
    """The files parsed from here on (originals and translations)."""
    parsed: list[str] = []
    for name in ("parse_incident", "apply_translation"):
        real = getattr(loading, name)
        monkeypatch.setattr(loading, name, lambda first, label_or_lang, *rest, real=real:
                            parsed.append(str(label_or_lang)) or real(first, label_or_lang,
                                                                      *rest))
    return parsed


def _load(site: Path, lenient: bool = False):
    return Loader(site, cache=cache_for(site / "build")).load(lenient=lenient)


def _update(site: Path) -> None:
    """A new update on top of the fibre incident's timeline."""
    path = site / "incidents" / f"{FIBRE}.md"
    heading = "## 2026-11-26 08:10 · identified"
    path.write_text(path.read_text("utf-8").replace(
        heading, f"## 2026-11-26 11:00 · monitoring\nRéparé.\n\n{heading}"), "utf-8")


def test_a_build_writes_only_the_row_of_the_file_that_changed(site_dir):
    build(site_dir, BuildOptions(now=NOW))
    first = _rows(site_dir)
    assert set(first) == {FIBRE, TRANSLATED} and set(first.values()) == {1}
    build(site_dir, BuildOptions(now=NOW))
    assert _rows(site_dir) == first  # nothing changed: nothing written
    _update(site_dir)
    build(site_dir, BuildOptions(now=NOW))
    again = _rows(site_dir)
    assert [i for i in again if again[i] > max(first.values())] == [FIBRE]
    for path in (site_dir / "incidents").glob(f"{TRANSLATED}.*"):
        path.unlink()
    build(site_dir, BuildOptions(now=NOW))
    assert set(_rows(site_dir)) == {FIBRE}  # the row of an incident gone goes with it


def test_unchanged_files_are_read_from_the_file_not_parsed(site_dir, monkeypatch):
    build(site_dir, BuildOptions(now=NOW))
    _update(site_dir)
    parsed = _parses(monkeypatch)
    site = _load(site_dir)
    assert parsed == [f"incidents/{FIBRE}.md"]
    assert len(next(i for i in site.incidents if i.id == FIBRE).updates) == 3


def test_the_file_is_private_and_nothing_is_left_beside_it(site_dir):
    mask = os.umask(0)
    try:
        build(site_dir, BuildOptions(now=NOW))
    finally:
        os.umask(mask)
    assert (site_dir / CACHE).stat().st_mode & 0o777 == 0o600
    assert not [p.name for p in site_dir.iterdir() if p.name.startswith(CACHE + "-")]


def test_a_save_of_nothing_new_writes_nothing(site_dir):
    """The daemon's stop saves: what was saved after its last build is not written
    again."""
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    loader.load()
    assert loader.save() == []
    saved = (site_dir / CACHE).stat().st_mtime_ns, _rows(site_dir)
    loader.load()
    assert loader.save() == []
    assert ((site_dir / CACHE).stat().st_mtime_ns, _rows(site_dir)) == saved


def _tamper(site: Path, incident_id: str, at: int) -> None:
    """One byte of the incident's row changed: at ``at`` (negative: from its end)."""
    with sqlite3.connect(site / CACHE) as db:
        (blob,) = db.execute("SELECT blob FROM incidents WHERE id = ?",
                             (incident_id.encode(),)).fetchone()
        changed = bytearray(blob)
        changed[at] ^= 0x01
        db.execute("UPDATE incidents SET blob = ? WHERE id = ?",
                   (bytes(changed), incident_id.encode()))


@pytest.mark.parametrize("at", [12, -1], ids=["in its pickle", "in its texts"])
def test_a_tampered_row_is_not_unpickled_its_files_are_parsed_again(site_dir, monkeypatch, at):
    build(site_dir, BuildOptions(now=NOW))
    _tamper(site_dir, FIBRE, at)
    parsed = _parses(monkeypatch)
    site = _load(site_dir)
    assert parsed == [f"incidents/{FIBRE}.md"]
    assert next(i.title for i in site.incidents if i.id == FIBRE)["fr"] == "Coupure fibre à Lyon"


class _Payload:
    """What a planted row would run when unpickled: make a folder."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return os.mkdir, (str(self.marker),)


def _plant(site: Path, payload: bytes, key: bytes) -> None:
    """Every row's blob replaced by ``payload``, signed with ``key`` as the store signs."""
    from statuspage.content import package

    with sqlite3.connect(site / CACHE) as db:
        for incident_id, mark in db.execute("SELECT id, mark FROM incidents").fetchall():
            mac = hmac.digest(key, b"\0".join((package.code_digest().encode(), incident_id,
                                               mark, payload)), "sha256")
            db.execute("UPDATE incidents SET blob = ?, mac = ? WHERE id = ?",
                       (payload, mac, incident_id))


@pytest.mark.parametrize("how", ["signed with another key", "another owner's",
                                 "readable by others", "its key readable by others",
                                 "with a trigger of its own", "another owner's -wal"])
def test_a_planted_row_is_never_unpickled(site_dir, tmp_path, how):
    """A row is read only from a private file of the user, holding our tables alone, and
    only when signed with the site's private key: each of these rows would run code."""
    build(site_dir, BuildOptions(now=NOW))
    marker = tmp_path / "ran"
    cache, key_file = site_dir / CACHE, site_dir / ".statuspage-key"
    key = os.urandom(32) if how == "signed with another key" else key_file.read_bytes()
    _plant(site_dir, pickle.dumps(_Payload(marker)), key)
    if how == "another owner's" or how == "another owner's -wal":
        if os.geteuid() != 0:
            pytest.skip("only root can give a file to another user")
        target = cache if how == "another owner's" else Path(f"{cache}-wal")
        target.touch(mode=0o600)
        os.chown(target, 65534, 65534)
    elif how == "readable by others":
        cache.chmod(0o644)
    elif how == "its key readable by others":
        key_file.chmod(0o644)
    elif how == "with a trigger of its own":
        with sqlite3.connect(cache) as db:
            db.execute("CREATE TRIGGER t AFTER INSERT ON meta BEGIN SELECT 1; END")
    _update(site_dir)  # one to save
    site = _load(site_dir, lenient=True)
    result = build(site_dir, BuildOptions(now=NOW))
    assert not marker.exists()
    assert {i.id for i in site.incidents} == {FIBRE, TRANSLATED} and not result.notes
    assert not marker.exists()
    assert cache.stat().st_uid == os.geteuid() and cache.stat().st_mode & 0o777 == 0o600
    assert set(_rows(site_dir)) == {FIBRE, TRANSLATED}  # made anew, or each row rewritten


@pytest.mark.parametrize("content", [b"SQLite format 3\0" + b"\xff" * 5000, b"",
                                     b"\x80\x05the pickle of the cache before"])
def test_a_corrupt_or_earlier_cache_file_is_replaced_without_a_word(site_dir, content):
    (site_dir / CACHE).write_bytes(content)
    (site_dir / CACHE).chmod(0o600)
    result = build(site_dir, BuildOptions(now=NOW))
    assert not result.notes
    assert (site_dir / CACHE).read_bytes().startswith(b"SQLite format 3\0")
    assert set(_rows(site_dir)) == {FIBRE, TRANSLATED}


def test_a_file_corrupt_past_its_schema_is_made_anew(site_dir):
    build(site_dir, BuildOptions(now=NOW))
    data = bytearray((site_dir / CACHE).read_bytes())
    page = int.from_bytes(data[16:18], "big")  # the first page holds the schema: kept
    assert len(data) > 3 * page
    data[2 * page:] = b"\xff" * (len(data) - 2 * page)
    (site_dir / CACHE).write_bytes(bytes(data))
    result = build(site_dir, BuildOptions(now=NOW))
    assert not result.notes
    assert set(_rows(site_dir)) == {FIBRE, TRANSLATED}


def test_a_new_site_yaml_or_another_version_parses_everything_again(site_dir, monkeypatch):
    build(site_dir, BuildOptions(now=NOW))
    parsed = _parses(monkeypatch)
    _load(site_dir)
    assert parsed == []
    everything = list((site_dir / "incidents").glob("*.md"))
    site_file = site_dir / "content" / "site.yaml"
    site_file.write_text(site_file.read_text("utf-8") + "# edited\n", "utf-8")
    _load(site_dir)
    assert len(parsed) == len(everything)
    build(site_dir, BuildOptions(now=NOW))
    parsed.clear()
    monkeypatch.setattr(loading, "code_digest", lambda: "another version")
    _load(site_dir)
    assert len(parsed) == len(everything)
    build(site_dir, BuildOptions(now=NOW))  # that version's rows replace this one's
    with sqlite3.connect(site_dir / CACHE) as db:
        assert db.execute("SELECT value FROM meta WHERE name = 'code'").fetchone() == \
            ("another version",)
    parsed.clear()
    _load(site_dir)
    assert parsed == []


def test_every_process_numbers_the_shared_objects_alike():
    """A row names the model's classes, field names and enum members by their place in
    ``shared``: another process (another hash seed, another order of imports) must find
    the same list, or a row would unpickle into the wrong objects."""
    import subprocess
    import sys

    from statuspage.content import rowcodec

    listing = "[repr(o) for o in rowcodec.shared((parsed.Parsed,))]"
    other = subprocess.run(
        [sys.executable, "-c", "from statuspage.content import parsed, rowcodec; "
         f"print({listing})"], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"}).stdout.strip()
    assert other == str([repr(o) for o in rowcodec.shared((loading.Parsed,))])
    assert len(rowcodec.shared()) > 100


def test_a_save_with_a_limit_writes_that_many_rows_and_the_next_ones_the_rest(
        site_dir, monkeypatch):
    """The daemon writes the rows of a start that parsed every file in slices, so that
    the next update does not wait for them; the first slice of a file of another version
    empties it."""
    build(site_dir, BuildOptions(now=NOW))  # a file of this version, then of another one
    monkeypatch.setattr(loading, "code_digest", lambda: "another version")
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    loader.load()
    assert loader.save(limit=1) == []
    first = _rows(site_dir)
    assert len(first) == 1  # the other version's rows went
    assert loader.save(limit=1) == []
    rows = _rows(site_dir)
    assert set(rows) == {FIBRE, TRANSLATED} and len(set(rows.values())) == 2
    assert loader.save() == [] and _rows(site_dir) == rows  # nothing was left
    parsed = _parses(monkeypatch)
    _load(site_dir)
    assert parsed == []


def test_list_reads_the_build_s_parse_cache_and_shows_a_broken_file_as_published(
        site_dir, monkeypatch, runner):
    """At 100,000 incidents ``list`` parsed every file again (41 s); it now reads what the
    last build parsed, read only, and lists a file broken since as the site shows it."""
    from statuspage import cli

    build(site_dir, BuildOptions(now=NOW))
    path = site_dir / "incidents" / f"{FIBRE}.md"
    path.write_text("broken since the build\n", "utf-8")
    parsed = _parses(monkeypatch)
    saved = _rows(site_dir)
    result = runner.invoke(cli.main, ["--site", str(site_dir), "list"])
    assert result.exit_code == 2, result.output
    assert parsed == [f"incidents/{FIBRE}.md"]  # the broken file alone
    assert [line.split()[0] for line in result.stdout.splitlines()] == [FIBRE, TRANSLATED]
    assert f"incidents/{FIBRE}.md:1:" in result.stderr
    assert _rows(site_dir) == saved  # read only


def test_a_restored_result_holds_the_scans_strings_and_stamps_not_copies(site_dir):
    """What a row gives is keyed by the file's label and made of site.yaml's digest and
    each file's stamp as the scan found them, the same objects, not copies unpickled (at
    100,000 incidents the copies were about 50 MB of a daemon's memory); a translation's
    key too, over its original's; and each incident holds the scan's id and label."""
    build(site_dir, BuildOptions(now=NOW))
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    site = loader.load()
    assert site.incident(TRANSLATED) is not None
    results = loader._parsed
    translations = 0
    for group in loader._groups.values():
        ordered = sorted(group, key=lambda s: (s.lang is not None, s.label))
        for at, source in enumerate(ordered):
            label = next(label for label in results if label == source.label)
            assert label is source.label
            key, incident = results[label].key, results[label].incident
            assert key[-1] is source.stamp
            if incident is not None:  # its id and path too (a translation's: its original's)
                assert incident.id is source.id and incident.path is ordered[0].label
            if at == 0:
                assert key[0] is loader._config_key
            else:
                translations += 1
                assert key[0] is results[ordered[at - 1].label].key
    assert translations and len(results) == sum(map(len, loader._groups.values()))


def test_a_translation_after_one_left_out_holds_the_scans_stamp_too(site_dir):
    """A row may hold a translation's result that the loader now leaves out (its language
    was dropped from site.yaml): the next translation's key names its original's, not the
    one left out, and is made of the scan's objects all the same."""
    charge = site_dir / "incidents" / "2026-11-20-double-charge"
    config = site_dir / "content" / "site.yaml"
    shutil.copy(charge.with_suffix(".en.md"), charge.with_suffix(".de.md"))
    config.write_text(config.read_text("utf-8").replace("[fr, en]", "[fr, de, en]"), "utf-8")
    loader = Loader(site_dir, cache=cache_for(site_dir / "build"))
    loader.load(lenient=True)
    loader.save()
    config.write_text(config.read_text("utf-8").replace("[fr, de, en]", "[fr, en]"), "utf-8")
    loader.load(lenient=True)
    loader.save()
    fresh = Loader(site_dir, cache=cache_for(site_dir / "build"))
    fresh.load(lenient=True)
    english = next(s for g in fresh._groups.values() for s in g if s.label.endswith(".en.md"))
    assert fresh._parsed[english.label].key[-1] is english.stamp


def test_a_restored_incidents_words_are_read_when_first_shown(site_dir, monkeypatch):
    """The rows' texts are most of a restore's work (unpickling them took more than half of
    it at 100,000 incidents), and most incidents are never shown: each incident's words are
    read, all at once, when one of them is first asked for; then they are the words of its
    files, and any text's again when pickled."""
    build(site_dir, BuildOptions(now=NOW))
    unpickled: list[int] = []

    def loads(blob: bytes):
        unpickled.append(len(blob))
        return pickle.loads(blob)

    monkeypatch.setattr(texts, "pickle", SimpleNamespace(loads=loads))
    site, parsed = _load(site_dir), load_site(site_dir)
    assert unpickled == []
    fibre, translated = site.incident(FIBRE), site.incident(TRANSLATED)
    assert fibre is not None and translated is not None
    assert fibre.title["fr"] == "Coupure fibre à Lyon" and len(unpickled) == 1
    shown = [fibre.summary, fibre.who_is_affected, *(u.body for u in fibre.updates)]
    assert [dict(text) for text in shown] and len(unpickled) == 1  # read with the title
    assert translated.title == parsed.incident(TRANSLATED).title and len(unpickled) == 2
    for incident in site.incidents:
        again = parsed.incident(incident.id)
        assert again is not None
        assert (incident.title, incident.summary, incident.what_to_do) == \
            (again.title, again.summary, again.what_to_do)
        assert [u.body for u in incident.updates] == [u.body for u in again.updates]
    copied = pickle.loads(pickle.dumps(fibre.title))
    assert type(copied) is Text and copied == fibre.title
