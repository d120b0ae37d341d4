"""The parse cache's signatures: the site's own key (``KEY``, in the site folder, readable
by its user alone) signs each row of the cache file with an HMAC, so that nothing planted
beside the output is ever unpickled; and files read only when they are the user's own.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path

from statuspage import files

KEY = ".statuspage-key"  # in the site folder: the key that signs the parse cache
KEY_BYTES = 32


def cache_key(root: Path, create: bool = False) -> bytes | None:
    """The site's key for signing the parse cache: ``root/KEY``, used only when it is a
    file of this user that no one else can read or write. With ``create``, one is made
    when there is none usable (raises OSError when it cannot be)."""
    path = root / KEY
    key = own_file(path, private=True)
    if key is not None and len(key) == KEY_BYTES:
        return key
    if not create:
        return None
    fresh = secrets.token_bytes(KEY_BYTES)
    if key is None and not path.is_symlink() and not path.exists():
        # Another build (the other edition) may make it at the same moment: the first
        # one's stays, and both use it.
        handle, temp = tempfile.mkstemp(prefix=f"{KEY}.", dir=root)  # mode 0600
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(fresh)
                out.flush()
                os.fsync(out.fileno())
            os.link(temp, path)
            return fresh
        except FileExistsError:
            return cache_key(root)
        finally:
            os.unlink(temp)
    path.unlink()  # not usable (another owner, readable by others): a new one
    files.write_atomic(path, fresh, mode=0o600)
    return fresh


def own_file(path: Path, private: bool = False) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of this user (not a link; with
    ``private``, that no one else may read or write), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid() or \
            private and info.st_mode & 0o077:
        os.close(fd)
        return None
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def sign(key: bytes, data: bytes) -> bytes:
    """The HMAC-SHA256 of ``data`` with ``key``."""
    return hmac.digest(key, data, "sha256")


def authentic(key: bytes, data: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the HMAC of ``data`` with ``key`` (in constant time)."""
    return hmac.compare_digest(signature, sign(key, data))
