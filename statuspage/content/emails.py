"""An e-mail address as statuspage accepts one: for site.yaml's subscriptions: sender and
for a subscriber alike (the subscribers' store and the subscription service check with it)."""

from __future__ import annotations

import re

# A deliberately plain address: one @, no spaces, no control characters, no angle brackets
# or commas (nothing that could add a header or a second recipient).
ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@"
                     r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                     r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
MAX_ADDRESS = 254


def address_problem(email: str) -> str | None:
    """Why ``email`` cannot be a subscriber's address, or None."""
    if len(email) > MAX_ADDRESS or not ADDRESS.fullmatch(email):
        return "this is not an e-mail address such as name@example.com"
    return None
