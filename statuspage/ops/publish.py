"""``statuspage publish``: mirror the built site to S3-compatible object storage.

Only files whose MD5 differs from the stored object's ETag are uploaded, in an order that
never shows a broken page: each page after every new object it links to (``ordered``),
else content-hashed assets first, then the feeds and calendars, the pages, the home
pages, the API, the badges and the banner; objects the build no longer has are deleted
last. boto3 finds the credentials (environment, profile, instance role) and the endpoint
(``endpoint_url``, else ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL``) itself; every
request has a bounded wait (``make_client``), and the whole publish a time limit.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import mimetypes
import os
import posixpath
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from statuspage.content.config import LANGUAGE
from statuspage.content.edition import DESK, PUBLIC
from statuspage.errors import PublishError, count
from statuspage.freeze import tree
from statuspage.freeze.build import MARKER

IMMUTABLE = "public, max-age=31536000, immutable"
DEFAULT_MAX_AGE = 60
INVALIDATE_TIMEOUT = 300  # seconds an --invalidate command may take
HASHED = re.compile(r"\.[0-9a-f]{10}(\.[^./]+)?$")  # style.3f2a1b9c0d.css (web/assets.py)
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
FEEDS = {".rss", ".atom", ".ics"}
# Upload order, where links do not decide it (``ordered``): what pages link to first (the
# assets; the feeds, calendars and badges), then the pages, the home pages, and what
# names the pages but nothing of the site links to (the API, the banner).
ASSET, LINKED, PAGE, HOME, API, EMBED = range(6)
LINK = re.compile(rb'(?:href|src)="([^"#?]*)')  # a page's links (every attribute is quoted)
STYLESHEET = re.compile(rb'href="([^"]*)static/style\.[0-9a-f]+\.css"')  # the site's base
# Waits: a storage that accepts connections but never answers fails a request in
# CONNECT_TIMEOUT + READ_TIMEOUT per attempt, not minutes; a publish stops after TIMEOUT.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 15
ATTEMPTS = 2  # botocore's, for each request (its own backoff between them)
TIMEOUT = 900  # seconds a whole publish may take (--timeout)
# Error codes: the bucket, the credentials, and what is worth trying again.
CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
               "InvalidClientTokenId", "AuthorizationHeaderMalformed"}
TRANSIENT = {"SlowDown", "RequestTimeout", "Throttling", "ThrottlingException",
             "ServiceUnavailable", "InternalError"}


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


def is_hashed_asset(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return parts[0] == "static" and bool(HASHED.search(parts[-1]))


def cache_control(name: str, max_age: int = DEFAULT_MAX_AGE, private: bool = False) -> str:
    """Hashed assets change name with their content: cached for a year. Everything else
    (pages, feeds, API, badges, banner) is news, kept ``max_age`` seconds. ``private`` (the
    support desk edition): browsers may keep it, shared caches (a CDN) never."""
    found = IMMUTABLE if is_hashed_asset(name) else f"public, max-age={max_age}"
    return found.replace("public", "private") if private else found


def rank(name: str) -> int:
    """Where a file comes in the upload order."""
    parts = PurePosixPath(name).parts
    edition = len(parts) > 1 and bool(LANGUAGE.fullmatch(parts[0])) and parts[0] != "api"
    inner = parts[1:] if edition else parts
    if is_hashed_asset(name):
        return ASSET
    if inner == ("index.html",):
        return HOME
    if parts[0] == "api":
        return API
    if PurePosixPath(name).suffix in FEEDS or inner[-1] == "badge.svg":
        return LINKED
    if inner[0] == "embed":
        return EMBED
    return PAGE


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


def ordered(uploads: list[Change], remote: dict[str, str], prefix: str,
            base: str = "/") -> list[Change]:
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
    done: list[Change] = []
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


def publish(source: Path, target: str, *, endpoint_url: str | None = None,
            max_age: int = DEFAULT_MAX_AGE, dry_run: bool = False,
            progress: Progress | None = None, client=None, desk: bool = False,
            timeout: float | None = TIMEOUT) -> PublishResult:
    """Mirror the built site in ``source`` to ``target`` (``s3://BUCKET[/PREFIX]``).

    ``progress(total)`` is called once the changes are known and returns a function called
    after each change is made. ``client`` is an S3 client (default: boto3's, for
    ``endpoint_url``). ``desk``: ``source`` is the support desk edition, on purpose (it is
    refused otherwise, as a public build is with ``desk``). ``timeout``: the seconds the
    whole publish may take. Raises PublishError: before anything is written when the
    bucket is missing, the credentials are refused or the storage cannot be reached.
    """
    bucket, prefix = parse_target(target)
    files = local_files(source)
    _check_edition(source, desk)
    deadline = time.monotonic() + timeout if timeout is not None else None
    client = client or make_client(endpoint_url)
    where = f"s3://{bucket}/{prefix}"
    result = PublishResult(target=where, prefix=prefix, dry_run=dry_run, desk=desk)
    with _errors(client, bucket, result):
        remote = list_objects(client, bucket, prefix)
    with _errors(client, bucket, result):
        restamp = headers_changed(client, bucket, files, remote, prefix, max_age, result.desk)
    changes, result.unchanged = plan(files, remote, prefix, max_age, private=result.desk,
                                     restamp=restamp)
    result.changes = changes
    if dry_run:
        result.uploaded = sum(c.action == "upload" for c in changes)
        result.deleted = len(changes) - result.uploaded
        result.bytes = sum(c.size for c in changes)
        return result
    step = progress(len(changes)) if progress else (lambda change: None)
    uploads = [c for c in changes if c.action == "upload"]
    deletions = [c for c in changes if c.action == "delete"]
    with _errors(client, bucket, result):
        for change in uploads:
            _in_time(deadline, timeout)
            upload(client, bucket, change)
            result.uploaded += 1
            result.bytes += change.size
            step(change)
        for start in range(0, len(deletions), 1000):  # at most 1000 keys a request
            batch = deletions[start:start + 1000]
            _in_time(deadline, timeout)
            delete(client, bucket, [c.key for c in batch])
            result.deleted += len(batch)
            for change in batch:
                step(change)
    return result


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


def _in_time(deadline: float | None, timeout: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise PublishError(f"the publish took over {timeout:g} s (the storage is slow or "
                           "not answering; --timeout to allow more)", transient=True)


def headers_changed(client, bucket: str, files: dict[str, Path], remote: dict[str, str],
                    prefix: str, max_age: int, private: bool) -> frozenset[bool]:
    """The kinds of file (hashed asset or not) that are online with other headers than
    they are sent with now (``--max-age`` changed, another edition was there). One object
    of each kind is asked: the last of its kind in the upload order, so that a publish
    that sent them again and was cut short is noticed too. Without s3:GetObject (a policy
    written for an older version) nothing is sent again: only changed files get new
    headers."""
    from botocore.exceptions import ClientError

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
                cache_control(name, max_age, private), content_type(name)):
            found.add(hashed)
    return frozenset(found)


def make_client(endpoint_url: str | None = None):
    """boto3's S3 client: its credential chain; path-style addresses on another storage
    than AWS (MinIO and most others want them); checksums only where S3 requires them,
    since other storages may not know the newer ones."""
    import boto3
    from botocore.config import Config

    options: dict = {"retries": {"mode": "standard", "total_max_attempts": ATTEMPTS},
                     "connect_timeout": CONNECT_TIMEOUT, "read_timeout": READ_TIMEOUT}
    if endpoint_url or os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get(
            "AWS_ENDPOINT_URL"):
        options["s3"] = {"addressing_style": "path"}
    if "request_checksum_calculation" in Config.OPTION_DEFAULTS:  # botocore >= 1.36
        options["request_checksum_calculation"] = "when_required"
        options["response_checksum_validation"] = "when_required"
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None,
                                          config=Config(**options))


def list_objects(client, bucket: str, prefix: str) -> dict[str, str]:
    """Every object under ``prefix``: key → its ETag (the MD5 of an object sent in one part)."""
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = item.get("ETag", "").strip('"')
    return found


def upload(client, bucket: str, change: Change) -> None:
    if change.path is None:
        raise ValueError(f"nothing to upload for {change.key}")
    body = change.path.read_bytes()
    digest = base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()
    client.put_object(Bucket=bucket, Key=change.key, Body=body, ContentMD5=digest,
                      ContentType=change.content_type, CacheControl=change.cache_control)


def delete(client, bucket: str, keys: list[str]) -> None:
    answer = client.delete_objects(Bucket=bucket, Delete={
        "Objects": [{"Key": key} for key in keys], "Quiet": True})
    errors = answer.get("Errors") or []
    if errors:
        first = errors[0]
        raise PublishError(f"could not delete {count(len(errors), 'stale object')}, e.g. "
                           f"{first.get('Key')}: {first.get('Code')}: {first.get('Message')}")


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
        message, transient = self._explain(err, exceptions)
        done = self.result.uploaded + self.result.deleted
        if done:
            total = count(len(self.result.changes), "change")
            state = (f"stopped after {done} of {total} (new files first, so the pages online "
                     "still work): publish again to finish")
        else:
            state = "nothing was changed online"
        raise PublishError(f"{message}; {state}", transient=transient) from err

    def _explain(self, err, exceptions) -> tuple[str, bool]:
        endpoint = self.client.meta.endpoint_url
        bucket = f"s3://{self.bucket}"
        if isinstance(err, exceptions.NoCredentialsError | exceptions.PartialCredentialsError):
            return (f"no usable credentials ({err}): set AWS_ACCESS_KEY_ID and "
                    "AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run where an instance role "
                    "applies"), False
        if isinstance(err, exceptions.ClientError):
            error = err.response.get("Error", {})
            code = str(error.get("Code", ""))
            detail = error.get("Message") or code
            status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if code == "NoSuchBucket" or status == 404 and code in ("404", "NotFound"):
                return f"bucket {self.bucket!r} does not exist at {endpoint}", False
            if code in CREDENTIALS:
                return (f"{endpoint} refused the credentials ({code}: {detail}): check "
                        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE"), False
            if code in ("AccessDenied", "Forbidden", "403") or status == 403:
                return (f"access denied to {bucket} ({detail}): the credentials need "
                        "s3:ListBucket, s3:PutObject and s3:DeleteObject on it"), False
            return f"{bucket}: {code}: {detail}", status >= 500 or code in TRANSIENT
        if isinstance(err, PublishError):
            return err.message, err.transient
        if isinstance(err, exceptions.ReadTimeoutError | exceptions.ConnectTimeoutError):
            return (f"the storage at {endpoint} did not answer in time ({err}; tried "
                    f"{ATTEMPTS} times)"), True
        if isinstance(err, exceptions.ConnectionError | exceptions.HTTPClientError):
            return f"cannot reach the storage at {endpoint}: {err}", True
        if isinstance(err, exceptions.BotoCoreError):
            return f"{bucket}: {err}", False
        # A local file gone: a build swapped in meanwhile, the next publish catches up.
        return f"cannot read {err.filename}: {err.strerror}", True


def retry(fn: Callable[[], object], attempts: int = 5, base_delay: float = 2.0, *,
          max_delay: float = 300.0, sleep: Callable[[float], None] = time.sleep,
          on_retry: Callable[[PublishError, float], None] | None = None):
    """``fn()``, tried again after ``base_delay``, then twice as long each time (at most
    ``max_delay``), while it raises a transient PublishError (the storage unreachable or
    failing); any other error, or the last attempt's, is raised. ``on_retry(error, delay)``
    is told before each wait (to log it)."""
    for attempt in range(attempts):
        try:
            return fn()
        except PublishError as err:
            if not err.transient or attempt == attempts - 1:
                raise
            delay = min(base_delay * 2 ** attempt, max_delay)
            if on_retry:
                on_retry(err, delay)
            sleep(delay)
    raise ValueError("attempts must be at least 1")


def changed_paths(result: PublishResult) -> list[str]:
    """The URL paths the publish changed (``/incidents/x/`` for its index.html), for a CDN
    purge."""
    paths = []
    for change in result.changes:
        key = change.key[len(result.prefix):]
        path = "/" + (key[:-len("index.html")] if key.endswith("index.html") else key)
        paths.append(path)
    return paths


def invalidate(command: str, result: PublishResult | None = None) -> None:
    """Run ``command`` in a shell after a publish (a CDN purge), with
    ``STATUSPAGE_PUBLISHED`` (the target) and ``STATUSPAGE_CHANGED_PATHS`` (the URL paths
    changed, space-separated) in its environment. Raises PublishError if it fails."""
    env = dict(os.environ)
    if result is not None:
        env["STATUSPAGE_PUBLISHED"] = result.target
        env["STATUSPAGE_CHANGED_PATHS"] = " ".join(changed_paths(result))
    try:
        done = subprocess.run(command, shell=True, env=env, capture_output=True, text=True,
                              timeout=INVALIDATE_TIMEOUT, check=False)
    except (OSError, subprocess.SubprocessError) as err:
        raise PublishError(f"--invalidate failed: {err}") from err
    if done.returncode:
        detail = (done.stderr.strip().splitlines() or [""])[-1]
        raise PublishError(f"--invalidate failed: exit status {done.returncode}"
                           + (f": {detail}" if detail else ""))


def _size(count: int) -> str:
    if count < 1000:
        return f"{count} B"
    if count < 1_000_000:
        return f"{count / 1000:.1f} kB"
    return f"{count / 1_000_000:.1f} MB"
