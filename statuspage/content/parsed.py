"""What parsing one content file gave, as a ``Loader`` keeps it, and the parse cache's rows
hold it (``parsestore.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from statuspage.content.sources import Source
from statuspage.errors import Problem
from statuspage.model import Incident


@dataclass(slots=True)
class Parsed:
    """One file's result, kept while its stamp and the configuration stay the same."""

    key: tuple
    incident: Incident | None
    errors: tuple[Problem, ...]
    warnings: tuple[Problem, ...]
    # Parsed without error, its incident not kept: a translation's result over it holds
    # what is shown (else held twice); parsed again when a file after it changes.
    aside: bool = False


def in_order(group: list[Source]) -> list[Source]:
    """An incident's files in the order they make it: the original, then each translation
    by name (each translation's result is made over the one before)."""
    return group if len(group) == 1 else \
        sorted(group, key=lambda s: (s.lang is not None, s.label))


def sharing(parsed: dict[str, Parsed], group: list[Source], config_key: str
            ) -> dict[str, Parsed]:
    """A row's results, each by its file's label and with its key made of the scan's own
    objects (site.yaml's digest, each file's stamp), equal to the row's (the mark that let
    the row be read holds them), rather than of copies unpickled: at 100,000 incidents the
    copies were about 50 MB of a daemon's memory. A translation's key names its parent's:
    that key as made here. Each incident's id and path, likewise, are the scan's strings
    (a translation's incident has its original's)."""
    shared: dict[str, Parsed] = {}
    made: dict = {config_key: config_key}  # each key made here, by value
    ordered = in_order(group)
    original = ordered[0].label if ordered[0].lang is None else ""
    for source in ordered:
        found = parsed.get(source.label)
        if found is None:
            continue
        key = found.key
        if len(key) == 2 and key[1] == source.stamp:
            key = (made.get(key[0], key[0]), source.stamp)
            if key == found.key:
                found.key = made[key] = key
        if found.incident is not None:
            _equal_to(found.incident, "id", source.id)
            _equal_to(found.incident, "path", original)
        shared[source.label] = found
    return shared if len(shared) == len(parsed) else parsed


def _equal_to(incident: Incident, name: str, value: str) -> None:
    """Make the incident's field ``name`` the string ``value`` when it is equal to it (an
    unpickled copy): frozen, its value stays the same."""
    held = getattr(incident, name)
    if held == value and held is not value:
        object.__setattr__(incident, name, value)
