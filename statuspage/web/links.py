"""Addresses: ``url_for`` remembered for each language at each script root, an incident's
built by joining its id to the rest of its address; a page's helpers bind them once."""

from __future__ import annotations

import re

from flask import current_app, g, request, url_for

from statuspage.web import assets

# The values that differ from one link to the next (an incident's, a reference's): the
# rest of such an address is the same for every value, so built once, then verified once
# against a second value built by ``url_for``; a value of these characters only is one
# that quoting leaves as it is.
VARYING = ("incident_id", "ref")
SAFE = re.compile(r"[A-Za-z0-9_.~-]+")


class Links:
    """``url_for`` for one language at one script root, remembered: the links every page
    repeats (its home, the history, the feeds, the stylesheet) built once per build, not
    once per page; an incident's by joining its id to the rest of the address."""

    def __init__(self, script_root: str):
        self.script_root = script_root
        self._found: dict[tuple, str] = {}
        self._shapes: dict[tuple, tuple[str, str, bool] | None] = {}

    def __call__(self, endpoint: str, **values) -> str:
        try:
            key = (endpoint, tuple(sorted(values.items())))
            found = self._found.get(key)
        except TypeError:  # a value that cannot be a key
            return url_for(endpoint, **values)
        if found is not None:
            return found
        varying = [name for name in VARYING if name in values]
        value = values[varying[0]] if len(varying) == 1 else None
        if not isinstance(value, str) or not SAFE.fullmatch(value):
            found = self._found[key] = url_for(endpoint, **values)
            return found
        shape_key = (endpoint, varying[0], tuple(item for item in key[1]
                                                 if item[0] != varying[0]))
        return self._joined(shape_key, value, endpoint, values)

    def _joined(self, shape_key: tuple, value: str, endpoint: str, values: dict) -> str:
        """The address of ``values``, ``value`` joined to the rest of its shape."""
        shape = self._shapes.get(shape_key, ())
        if shape and shape[2]:
            return shape[0] + value + shape[1]
        built = url_for(endpoint, **values)
        if shape == ():  # a first value: the shape, unverified
            parts = built.split(value)
            self._shapes[shape_key] = (parts[0], parts[1], False) if len(parts) == 2 else None
        elif shape:  # a second one: the shape holds, or is never used
            self._shapes[shape_key] = (shape[0], shape[1], True) \
                if shape[0] + value + shape[1] == built else None
        return built

    def asset(self, name: str) -> str:
        """A static file's address, under its content-hashed name."""
        return self("asset", hashed=assets.names()[name])

    def public(self, base: str, endpoint: str, **values) -> str:
        """The page's address on the public site at ``base``."""
        return base + self(endpoint, **values)[len(self.script_root):]


def link(endpoint: str, **values) -> str:
    """``url_for``, remembered (see ``Links``)."""
    return links()(endpoint, **values)


def links() -> Links:
    """The request's links: its language's, at its script root."""
    key = (g.get("lang"), request.script_root)
    made = current_app.extensions["statuspage.links"]
    found = made.get(key)
    if found is None:
        found = made[key] = Links(key[1])
    return found


def asset_url(name: str) -> str:
    """A static file's address, under its content-hashed name."""
    return links().asset(name)


def public_url(endpoint: str, **values) -> str:
    """The page's address on the public site (``url`` in site.yaml, or --url)."""
    return links().public(g.site.config.url, endpoint, **values)
