"""Subscriptions: update and history feeds (RSS, Atom) and the maintenance calendar."""

from __future__ import annotations

from flask import Blueprint

from statuspage import status

bp = Blueprint("feeds", __name__)


def frozen_urls(snap: status.Snapshot):
    return iter(())
