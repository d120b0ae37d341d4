"""The API documents that say what is true now are built from the open set: the history
weighs on them only through what the Snapshot derives of it once for every file."""

from __future__ import annotations

from datetime import datetime

import pytest
from conftest import PARIS

from statuspage.content.loader import load_site
from statuspage.state import documents
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
