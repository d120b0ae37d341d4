"""The Statuspage-compatible public API v2, served as static JSON files."""

from __future__ import annotations

from flask import Blueprint

from statuspage import status

bp = Blueprint("api", __name__)


def frozen_urls(snap: status.Snapshot):
    return iter(())
