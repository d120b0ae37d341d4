"""``statuspage publish``: mirror the built site to S3-compatible object storage.

Only files whose MD5 differs from the stored object's ETag are uploaded, in an order that
never shows a broken page (``uploadorder``); objects the build no longer has are deleted
last. The storage is reached through boto3 (``storage``), each request with a bounded
wait, and the whole publish has a time limit.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from statuspage import addresses
from statuspage.content.edition import DESK, PUBLIC
from statuspage.errors import PublishError, count
from statuspage.freeze import tree
from statuspage.freeze.tree import MARKER
from statuspage.ops import shellhooks, storage
from statuspage.ops.uploadorder import base_path, is_hashed_asset, ordered, rank

IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_MAX_AGE = 60
INVALIDATE_TIMEOUT = 300  # seconds an --invalidate command may take
TIMEOUT = 900  # seconds a whole publish may take (--timeout)
BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-_]{1,254}$")
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".json": "application/json",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".svg": "image/svg+xml",
}


@dataclass(frozen=True)
class Target:
    """Where a build is published, and how: ``url`` is ``s3://BUCKET[/PREFIX]`` on the
    storage at ``endpoint_url`` (default: AWS, or AWS_ENDPOINT_URL); caches keep what is
    not a hashed asset ``max_age`` seconds; ``desk``: the build is the support desk
    edition, on purpose, sent private; a publish takes at most ``timeout`` seconds."""

    url: str
    endpoint_url: str | None = None
    max_age: int = DEFAULT_MAX_AGE
    desk: bool = False
    timeout: float | None = TIMEOUT


@dataclass(frozen=True)
class Change:
    """One object to write or remove: ``action`` is ``upload`` or ``delete``."""

    action: str
    key: str
    size: int = 0
    path: Path | None = None
    content_type: str = ""
    cache_control: str = ""


@dataclass
class PublishResult:
    target: str  # s3://bucket/prefix/
    prefix: str = ""
    uploaded: int = 0
    unchanged: int = 0
    deleted: int = 0
    bytes: int = 0  # sent (or, in a dry run, that would be)
    changes: list[Change] = field(default_factory=list)
    dry_run: bool = False
    desk: bool = False  # the support desk edition: sent as private, for a private bucket

    @property
    def changed(self) -> bool:
        return bool(self.uploaded or self.deleted)

    def summary(self) -> str:
        verb = ("would upload", "would delete") if self.dry_run else ("uploaded", "deleted")
        return (f"{self.target}: {verb[0]} {self.uploaded}, unchanged {self.unchanged}, "
                f"{verb[1]} {self.deleted}, {_size(self.bytes)}")


Progress = Callable[[int], Callable[[Change], None]]


def parse_target(target: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → (``bucket``, ``some/prefix/``); no prefix gives ``""``."""
    scheme, _, rest = target.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not BUCKET.match(bucket):
        raise PublishError(f"{target!r} is not an S3 address: write s3://BUCKET or "
                           "s3://BUCKET/PREFIX")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def content_type(name: str) -> str:
    suffix = PurePosixPath(name).suffix.lower()
    found = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    if found.startswith("text/") and "charset" not in found:
        found += "; charset=utf-8"
    return found


def cache_control(name: str, max_age: int = DEFAULT_MAX_AGE, private: bool = False) -> str:
    """Hashed assets change name with their content: cached for a year. Everything else
    (pages, feeds, API, badges, banner) is news, kept ``max_age`` seconds. ``private`` (the
    support desk edition): browsers may keep it, shared caches (a CDN) never."""
    found = IMMUTABLE if is_hashed_asset(name) else f"public, max-age={max_age}"
    return found.replace("public", "private") if private else found


def local_files(source: Path) -> dict[str, Path]:
    """The build's files by relative name; names starting with a dot (the build's marker,
    state files) stay private."""
    if not source.is_dir():
        raise PublishError(f"{source} does not exist: run statuspage build first, or give "
                           "the built site with --from")
    if not (source / MARKER).exists():
        raise PublishError(f"{source} was not built by statuspage (no {MARKER} file): "
                           "publish a folder written by statuspage build")
    found = {}
    for path in sorted(source.rglob("*")):
        name = path.relative_to(source).as_posix()
        if path.is_file() and not any(part.startswith(".") for part in name.split("/")):
            found[name] = path
    return found


def edition_of(source: Path) -> str:
    """The edition a build folder holds (its marker says)."""
    return tree.Manifest.edition_of(source) or PUBLIC.name


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def plan(files: dict[str, Path], remote: dict[str, str], prefix: str,
         max_age: int, private: bool = False,
         restamp: frozenset[bool] = frozenset()) -> tuple[list[Change], int]:
    """The uploads in their order, then the deletions; and how many files are unchanged.
    ``restamp`` says which kinds of file (hashed assets: True, the others: False) are sent
    again even when unchanged, since their headers online are not the ones due now."""
    uploads, unchanged = [], 0
    for name, path in files.items():
        if remote.get(prefix + name) == md5(path) and is_hashed_asset(name) not in restamp:
            unchanged += 1
            continue
        uploads.append(Change("upload", prefix + name, path.stat().st_size, path,
                              content_type(name), cache_control(name, max_age, private)))
    wanted = {prefix + name for name in files}
    deletions = [Change("delete", key) for key in sorted(remote) if key not in wanted]
    return ordered(uploads, remote, prefix, base_path(files)) + deletions, unchanged


def publish(source: Path, target: Target, *, dry_run: bool = False,
            progress: Progress | None = None, client=None) -> PublishResult:
    """Mirror the built site in ``source`` to ``target``.

    ``progress(total)`` is called once the changes are known and returns a function called
    after each change is made. ``client`` is an S3 client (default: boto3's, for the
    target's endpoint). A desk edition is refused unless the target says ``desk``, and a
    public one if it does. Raises PublishError: before anything is written when the
    bucket is missing, the credentials are refused or the storage cannot be reached.
    """
    bucket, prefix = parse_target(target.url)
    files = local_files(source)
    _check_edition(source, target.desk)
    in_time = _deadline(target.timeout)
    client = client or storage.make_client(target.endpoint_url)
    result = PublishResult(target=f"s3://{bucket}/{prefix}", prefix=prefix, dry_run=dry_run,
                           desk=target.desk)
    with _errors(client, bucket, result):
        remote = storage.list_objects(client, bucket, prefix)
    with _errors(client, bucket, result):
        restamp = headers_changed(client, files, remote, target)
    changes, result.unchanged = plan(files, remote, prefix, target.max_age,
                                     private=target.desk, restamp=restamp)
    result.changes = changes
    if dry_run:
        result.uploaded = sum(c.action == "upload" for c in changes)
        result.deleted = len(changes) - result.uploaded
        result.bytes = sum(c.size for c in changes)
        return result
    step = progress(len(changes)) if progress else (lambda change: None)
    with _errors(client, bucket, result):
        _send(client, bucket, result, step, in_time)
    return result


def _send(client, bucket: str, result: PublishResult, step: Callable[[Change], None],
          in_time: Callable[[], None]) -> None:
    """The uploads in their order, then the deletions, counted in ``result``."""
    uploads = [c for c in result.changes if c.action == "upload"]
    deletions = [c for c in result.changes if c.action == "delete"]
    for change in uploads:
        in_time()
        upload(client, bucket, change)
        result.uploaded += 1
        result.bytes += change.size
        step(change)
    for start in range(0, len(deletions), 1000):  # at most 1000 keys a request
        batch = deletions[start:start + 1000]
        in_time()
        storage.delete(client, bucket, [c.key for c in batch])
        result.deleted += len(batch)
        for change in batch:
            step(change)


def _check_edition(source: Path, desk: bool) -> None:
    """The desk edition, with its internal notes, is published only when asked for by
    name: ``--from build-desk`` to a public bucket would show them to everyone."""
    held = edition_of(source)
    if held == DESK.name and not desk:
        raise PublishError(f"{source} holds the support desk edition, with its internal notes "
                           "(its .statuspage-build says so): refusing to publish it; publish "
                           "the public build/ instead, or give --desk to send it, private, "
                           "to a bucket no one else can read")
    if held != DESK.name and desk:
        raise PublishError(f"--desk, but {source} holds the {held} edition: publish it "
                           "without --desk, or give the desk's folder (build-desk/)")


def _deadline(timeout: float | None) -> Callable[[], None]:
    """A check that raises once ``timeout`` seconds from now have passed."""
    deadline = time.monotonic() + timeout if timeout is not None else None

    def in_time() -> None:
        if deadline is not None and time.monotonic() > deadline:
            raise PublishError(f"the publish took over {timeout:g} s (the storage is slow or "
                               "not answering; --timeout to allow more)", transient=True)

    return in_time


def headers_changed(client, files: dict[str, Path], remote: dict[str, str],
                    target: Target) -> frozenset[bool]:
    """The kinds of file (hashed asset or not) that are online with other headers than
    they are sent with now (``--max-age`` changed, another edition was there). One object
    of each kind is asked: the last of its kind in the upload order, so that a publish
    that sent them again and was cut short is noticed too. Without s3:GetObject (a policy
    written for an older version) nothing is sent again: only changed files get new
    headers."""
    from botocore.exceptions import ClientError

    bucket, prefix = parse_target(target.url)
    found = set()
    for hashed in (True, False):
        online = [name for name in files if is_hashed_asset(name) == hashed
                  and prefix + name in remote]
        if not online:
            continue
        name = max(online, key=lambda name: (rank(name), name))
        try:
            head = client.head_object(Bucket=bucket, Key=prefix + name)
        except ClientError as err:
            if err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 403:
                return frozenset()
            raise
        if (head.get("CacheControl"), head.get("ContentType")) != (
                cache_control(name, target.max_age, target.desk), content_type(name)):
            found.add(hashed)
    return frozenset(found)


def upload(client, bucket: str, change: Change) -> None:
    if change.path is None:
        raise ValueError(f"nothing to upload for {change.key}")
    body = change.path.read_bytes()
    digest = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    client.put_object(Bucket=bucket, Key=change.key, Body=body, ContentMD5=digest,
                      ContentType=change.content_type, CacheControl=change.cache_control)


class _errors:
    """Turns boto3's exceptions into a PublishError that says what to fix, and what state
    the published site is in."""

    def __init__(self, client, bucket: str, result: PublishResult):
        self.client, self.bucket, self.result = client, bucket, result

    def __enter__(self):
        return self

    def __exit__(self, kind, err, tb):
        if err is None:
            return False
        from botocore import exceptions

        if not isinstance(err, exceptions.BotoCoreError | exceptions.ClientError | PublishError
                          | OSError):
            return False
        message, transient = storage.explain(err, self.client.meta.endpoint_url, self.bucket)
        done = self.result.uploaded + self.result.deleted
        if done:
            total = count(len(self.result.changes), "change")
            state = (f"stopped after {done} of {total} (new files first, so the pages online "
                     "still work): publish again to finish")
        else:
            state = "nothing was changed online"
        raise PublishError(f"{message}; {state}", transient=transient) from err


def changed_paths(result: PublishResult) -> list[str]:
    """The URL paths the publish changed (``/incidents/x/`` for its index.html), for a CDN
    purge."""
    paths = []
    for change in result.changes:
        key = change.key[len(result.prefix):]
        path = "/" + (key.removesuffix(addresses.PAGE) if key.endswith(addresses.PAGE) else key)
        paths.append(path)
    return paths


def invalidate(command: str, result: PublishResult | None = None) -> None:
    """Run ``command`` in a shell after a publish (a CDN purge), with
    ``STATUSPAGE_PUBLISHED`` (the target) and ``STATUSPAGE_CHANGED_PATHS`` (the URL paths
    changed, space-separated) in its environment. Raises PublishError if it fails."""
    env = {}
    if result is not None:
        env["STATUSPAGE_PUBLISHED"] = result.target
        env["STATUSPAGE_CHANGED_PATHS"] = " ".join(changed_paths(result))
    failure = shellhooks.run(command, env, INVALIDATE_TIMEOUT)
    if failure:
        raise PublishError(f"--invalidate failed: {failure}")


def _size(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"
