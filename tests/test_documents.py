"""The API documents that say what is true now are built from the open set: the history
weighs on them only through what the Snapshot derives of it once for every file."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import FIBRE, PARIS
from conftest import NOW as NOW_BASIC

from statuspage.content.loader import load_site
from statuspage.state import documents
from statuspage.state.settled import Settled
from statuspage.state.status import Snapshot
from statuspage.state.view import IncidentView

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=PARIS)  # the example's moment: some open, most over


class Untouchable:
    """Stands for a view the documents must not read."""

    def __init__(self, view: IncidentView):
        self.__dict__["_id"] = view.id

    def __getattr__(self, name: str):
        raise AssertionError(f"{self._id} was read ({name}): an incident over")


def _open_set_only(snap: Snapshot) -> Snapshot:
    """``snap`` once the Snapshot worked out its own lists and what the API reads of the
    whole history (the page's first and last events, each component's last change, as
    a build does when it plans its files), every view of an incident over (resolved,
    completed, cancelled) then made untouchable."""
    documents.prepare(snap)
    for name in ("components", "groups", "indicator", "open_incidents", "active_maintenance",
                 "scheduled_maintenance"):
        getattr(snap, name)
    over = {i for i, view in snap.views.items() if view.ended is not None}
    assert over

    def hidden(views):
        return [Untouchable(v) if v.id in over else v for v in views]

    snap.published, snap.history = tuple(hidden(snap.published)), tuple(hidden(snap.history))
    snap.views = {i: Untouchable(v) if i in over else v for i, v in snap.views.items()}
    return snap


def test_the_summary_and_the_unresolved_list_read_no_incident_that_is_over(example_dir):
    site = load_site(example_dir)
    whole = documents.Documents(Snapshot(site, NOW))
    summary, unresolved = whole.summary(), whole.unresolved_document()
    assert summary["incidents"] and summary["scheduled_maintenances"]
    assert unresolved["incidents"] == summary["incidents"]
    open_only = documents.Documents(_open_set_only(Snapshot(site, NOW)))
    assert open_only.summary() == summary
    assert open_only.unresolved_document() == unresolved
    assert open_only.status_document() == whole.status_document()
    assert open_only.components_document() == whole.components_document()


def test_the_history_is_read_through_the_snapshot(example_dir):
    """Any other document lists incidents that are over: it does read them."""
    snap = _open_set_only(Snapshot(load_site(example_dir), NOW))
    with pytest.raises(AssertionError, match="was read"):
        documents.Documents(snap).incidents_document()


def _kept_as_anew(site, now: datetime, memory: Settled) -> documents.Encoded:
    """The summary at ``now`` with the caller's memory is the one worked out anew; the
    open fibre incident's document in it."""
    kept = documents.Documents(Snapshot(site, now, memory))
    assert kept.summary() == documents.Documents(Snapshot(site, now)).summary(), now
    return kept.incident(kept.snap.view(FIBRE))


def test_an_open_incidents_document_is_kept_while_all_it_shows_is_the_same(site_dir: Path):
    """Kept from one Snapshot to the next (a daemon's builds) by its own state and what
    else it reads: its components' statuses, the page's first event, the site's words."""
    memory, later = Settled(), NOW_BASIC + timedelta(hours=1)
    first = _kept_as_anew(load_site(site_dir), NOW_BASIC, memory)
    assert _kept_as_anew(load_site(site_dir), later, memory) is first  # nothing it shows moved
    # Another incident takes the same component down further: its status in the document.
    (site_dir / "incidents" / "2026-11-26-fibre-paris.md").write_text(
        "---\ntitle: Fibre <Paris> & co\nimpact: critical\ncomponents:\n  fibre: major_outage\n"
        "started: 2026-11-26 12:30\n---\n## 2026-11-26 12:30 · investigating\nOn regarde.\n",
        "utf-8")
    again = _kept_as_anew(load_site(site_dir), later, memory)
    assert again is not first and again == _kept_as_anew(load_site(site_dir), later, memory)
    # An older incident: the page's first event, every component's created_at.
    (site_dir / "incidents" / "2025-01-10-old.md").write_text(
        "---\ntitle: Ancien\nimpact: minor\ncomponents: [adsl]\nstarted: 2025-01-10 10:00\n---\n"
        "## 2025-01-10 11:00 · resolved\nFini.\n## 2025-01-10 10:00 · investigating\nVu.\n",
        "utf-8")
    _kept_as_anew(load_site(site_dir), later, memory)
    # The site's words: a component's name.
    config = site_dir / "content" / "site.yaml"
    config.write_text(config.read_text("utf-8").replace("Fibre broadband", "Fibre"), "utf-8")
    site = load_site(site_dir)
    assert site.config.api_language == "en"  # the name the API shows changed
    _kept_as_anew(site, later, memory)
