"""The files the daemon keeps beside an output folder, named after it.

``.statuspage-<kind>-<folder>`` (``.statuspage-reminded-build.json`` for ``build/``): they
belong to that site's output, so two sites whose outputs share a parent folder keep
apart. The JSON ones are read leniently (a file unreadable is said in the log and counts
as none) and written in one step (a reader never sees half a file). The lock a running
daemon holds on its output (``claim``) is one of them too.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from statuspage import files
from statuspage.errors import StatusPageError

log = logging.getLogger("statuspage.ops.daemon")

PREFIX = ".statuspage-"
RUNNING = "run"  # the kind of the lock a daemon holds while it keeps the folder

T = TypeVar("T")


def beside(out: Path, kind: str, suffix: str = "") -> Path:
    """The state file of ``kind`` for the site built into ``out``: beside it, named after it."""
    out = out.resolve()
    return out.with_name(f"{PREFIX}{kind}-{out.name}{suffix}")


def read_json(path: Path, parse: Callable[[Any], T], otherwise: str) -> T | None:
    """``parse`` of the JSON in ``path``; None when there is no such file, or when it
    cannot be read or ``parse`` refuses it (ValueError, TypeError, KeyError,
    AttributeError): then the log says so, and ``otherwise`` what follows."""
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        log.warning("%s unreadable (%s): %s", path, err, otherwise)
        return None


def write_json(path: Path, data: object, otherwise: str) -> bool:
    """Write ``data`` to ``path`` in one step; False, said in the log with ``otherwise``
    (what follows), when it cannot be written."""
    try:
        files.write_atomic(path, (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError as err:
        log.warning("cannot save %s (%s): %s", path, err, otherwise)
        return False
    return True


def shown(path: Path) -> str:
    """A folder as the log names it: relative to the working folder when inside it."""
    path = path.resolve()
    cwd = Path.cwd().resolve()
    text = str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)
    return text.rstrip("/") + "/"


def claim(out: Path) -> int:
    """Lock ``out`` for this process (a lock file beside it, held until the process ends,
    however it ends), or say who holds it."""
    path = beside(out, RUNNING)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as err:
        raise StatusPageError(f"cannot lock {shown(out)} for this daemon: {err.strerror} "
                              f"({path}): make its parent folder writable") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        raise StatusPageError(
            f"another 'statuspage run'{f' (pid {holder})' if holder.isdigit() else ''} "
            f"already keeps {shown(out)}: two daemons on one output would build, publish "
            "and send every update twice. Stop that one first, or give this one its own "
            "--out") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd
