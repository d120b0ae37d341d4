"""The order a publish uploads in: a page never goes before what it links to.

A publish cut short (the storage failed, the time ran out) must leave no link online to
an object that is not there yet: each page goes after every new object it links to; else
the content-hashed assets first, then the feeds, calendars and badges, the pages, the home
pages, and what names the pages but nothing of the site links to (the API, the banner).
"""

from __future__ import annotations

import heapq
import posixpath
import re
from pathlib import Path, PurePosixPath
from typing import Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from statuspage import addresses
from statuspage.content.config import LANGUAGE

HASHED = re.compile(r"\.[0-9a-f]{10}(\.[^./]+)?$")  # style.3f2a1b9c0d.css (web/assets.py)
# Upload order, where links do not decide it (``ordered``): what pages link to first (the
# assets; the feeds, calendars and badges), then the pages, the home pages, and what
# names the pages but nothing of the site links to (the API, the banner).
ASSET, LINKED, PAGE, HOME, API, EMBED = range(6)
LINK = re.compile(rb'(?:href|src)="([^"#?]*)')  # a page's links (every attribute is quoted)
STYLESHEET = re.compile(rb'href="([^"]*)static/style\.[0-9a-f]+\.css"')  # the site's base


class Upload(Protocol):
    """An object to upload (publish.Change): its key, and the file it is made of."""

    @property
    def key(self) -> str: ...

    @property
    def path(self) -> Path | None: ...


U = TypeVar("U", bound=Upload)


def is_hashed_asset(name: str) -> bool:
    """Whether the file ``name`` is an asset named after its content (kept a year)."""
    parts = PurePosixPath(name).parts
    return parts[0] == addresses.STATIC and bool(HASHED.search(parts[-1]))


def rank(name: str) -> int:
    """Where a file comes in the upload order."""
    parts = PurePosixPath(name).parts
    edition = len(parts) > 1 and bool(LANGUAGE.fullmatch(parts[0])) \
        and parts[0] != addresses.API
    inner = parts[1:] if edition else parts  # within its language's edition
    if is_hashed_asset(name):
        return ASSET
    if inner == (addresses.PAGE,):
        return HOME
    if parts[0] == addresses.API:
        return API
    if PurePosixPath(name).suffix in addresses.FEEDS or inner[-1] == addresses.BADGE:
        return LINKED
    if inner[0] == addresses.EMBED:
        return EMBED
    return PAGE


def ordered(uploads: list[U], remote: dict[str, str], prefix: str,
            base: str = "/") -> list[U]:
    """The uploads in an order where a page comes after every object it links to that is
    not online yet (so a publish cut short leaves no link to a missing object), else by
    ``rank`` and name. Pages that link to each other, new both (a page and its
    translation; on a first publish, most of the site), cannot all come after the others:
    they go together, by rank and name, after what any of them links to. Feeds and
    documents are not read for links: pages link to them, and they name the pages."""
    names = {change.key[len(prefix):]: change for change in uploads}
    new = {name for name, change in names.items() if change.key not in remote}
    needs: dict[str, set[str]] = {name: set() for name in names}
    if new:  # else any order is safe: every link leads to an object online
        for name, change in names.items():
            if name.endswith(".html") and change.path is not None:
                needs[name] = {target for target in links(change.path, name, base)
                               if target in new and target != name}
    groups = _cycles(needs)  # each a list of names, sorted; groups[n] for n in group_of
    group_of = {name: number for number, group in enumerate(groups) for name in group}
    waits = {number: {group_of[target] for name in group for target in needs[name]}
             - {number} for number, group in enumerate(groups)}
    needed_by: dict[int, list[int]] = {}
    for number, targets in waits.items():
        for target in targets:
            needed_by.setdefault(target, []).append(number)
    first = {number: min((rank(name), name) for name in group)
             for number, group in enumerate(groups)}
    ready = [(first[number], number) for number, targets in waits.items() if not targets]
    heapq.heapify(ready)
    done: list[U] = []
    while ready:
        number = heapq.heappop(ready)[1]
        done += [names[name] for name in sorted(groups[number], key=lambda n: (rank(n), n))]
        for waiting in needed_by.get(number, ()):
            waits[waiting].discard(number)
            if not waits[waiting]:
                heapq.heappush(ready, (first[waiting], waiting))
    return done


def _cycles(needs: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of the graph ``needs`` (Tarjan's algorithm, without
    recursion: a site's pages are tens of thousands)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for root in sorted(needs):
        if root in index:
            continue
        work = [(root, iter(sorted(needs[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            target = next(targets, None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(needs[target]))))
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


def links(path: Path, name: str, base: str) -> set[str]:
    """The files of the site the page ``name`` links to (``href`` and ``src``), by name:
    root-relative links under ``base`` (the site's path, ``/`` at the root of its host)
    and relative ones; other sites, fragments, ``data:``, ``tel:``… are left out."""
    found = set()
    folder = posixpath.dirname("/" + name)
    for raw in LINK.findall(path.read_bytes()):
        link = unquote(raw.decode("utf-8", "replace"))
        if not link or urlsplit(link).scheme or link.startswith("//"):
            continue
        absolute = link if link.startswith("/") else posixpath.join(folder, link)
        if not absolute.startswith(base):
            continue
        target = posixpath.normpath(absolute[len(base):])
        target = "index.html" if target in (".", "") else target
        found.add(target + "/index.html" if link.endswith("/") and target != "index.html"
                  else target)
    return found


def base_path(files: dict[str, Path]) -> str:
    """The site's path on its host (``/``, or ``/status/`` for a site at
    https://example.com/status), from the stylesheet link of its home page."""
    home = files.get("index.html")
    found = STYLESHEET.search(home.read_bytes()) if home is not None else None
    return found.group(1).decode("utf-8", "replace") or "/" if found else "/"
