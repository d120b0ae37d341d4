"""What a caller that builds again and again keeps from one build to the next.

``build`` is a function of its content, options and moment; what it may reuse from the
builds before it lives here, in an object its caller owns and hands to each build: the
daemon makes one for as long as it runs, a one-off build makes its own (and so starts from
nothing but the files on disk).
"""

from __future__ import annotations

from flask import Flask

from statuspage.freeze.plan import IncidentPlans
from statuspage.freeze.tree import Manifests
from statuspage.state.settled import Settled


class Caches:
    """``settled``: the views of settled incidents, and their API times, each computed once
    and the same object from one build to the next (``state/settled.py``); ``plans``: each
    published incident's files, planned once while its view and facts stay the same
    (``plan.py``); ``manifests``: the file maps last read or written, each read once
    (``manifeststore.py``); ``app``: the last build's, which the next renders with again
    (``rendering.make_app``)."""

    def __init__(self):
        self.settled = Settled()
        self.plans = IncidentPlans()
        self.manifests = Manifests()
        self.app: Flask | None = None
