"""What other sites show: the customer-area banner (script and iframe) and status badges."""

from __future__ import annotations

from flask import Blueprint

from statuspage import status

bp = Blueprint("embed", __name__)


def frozen_urls(snap: status.Snapshot):
    return iter(())
