"""The subscribers' store: who follows what by e-mail, in SQLite or PostgreSQL.

Only what the mail needs is kept: the address, the language, the scope (everything, one
service, one incident), the dates (asked, confirmed), the hash of the confirmation token
and how many times the address bounced. Nothing about the visitor (no IP address, no
browser) is stored.

Through SQLAlchemy Core, so one code runs on the site folder's SQLite file (WAL, the
default) and on a PostgreSQL shared by several machines (``--db postgresql://…`` or
``STATUSPAGE_DB``). The schema's version is in the ``meta`` table; an older database is
upgraded in place when opened.

Tokens: the confirmation link carries 256 random bits, of which only the SHA-256 is
stored. The unsubscribe link in each mail carries the subscription's number and an
HMAC of it under a random secret kept in ``meta``: it is checked without being stored,
so a mail to 20,000 people writes nothing per person.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from statuspage.content.emails import MAX_ADDRESS
from statuspage.errors import StatusPageError

DEFAULT_FILE = ".statuspage-subscribers.sqlite"
VERSION = 2
EXPIRY = timedelta(days=7)  # an unconfirmed request is forgotten after this
MAX_BOUNCES = 3  # permanent refusals before an address is dropped
ALL, COMPONENT, INCIDENT = "all", "component", "incident"
KINDS = (ALL, COMPONENT, INCIDENT)

metadata = sa.MetaData()
meta_table = sa.Table(
    "statuspage_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False))
subscriptions = sa.Table(
    "statuspage_subscriptions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(MAX_ADDRESS), nullable=False),
    sa.Column("lang", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # all | component | incident
    sa.Column("target", sa.String(128), nullable=False, server_default=""),
    sa.Column("requested", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed", sa.DateTime(timezone=True)),
    sa.Column("token_hash", sa.String(64)),  # sha256 of the confirmation token, until used
    sa.Column("bounces", sa.Integer, nullable=False, server_default="0"),  # since version 2
    sa.UniqueConstraint("email", "kind", "target", name="statuspage_one_scope"),
    sa.Index("statuspage_by_token", "token_hash"),
    sa.Index("statuspage_by_scope", "kind", "target"),
)


def normalised(email: str) -> str:
    """The address as stored and compared: in lower case (the local part is the domain's
    to interpret, but no provider in use tells cases apart, and one person must not be
    two subscribers)."""
    return email.strip().lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Subscription:
    id: int
    email: str
    lang: str
    kind: str
    target: str
    requested: datetime
    confirmed: datetime | None
    bounces: int

    @property
    def scope(self) -> str:
        return self.kind if self.kind == ALL else f"{self.kind} {self.target}"


def database_url(site: Path, db: str | None) -> str:
    """``db`` (a SQLAlchemy URL such as postgresql://…), else the site folder's SQLite."""
    if db:
        if db.startswith("postgresql://") or db.startswith("postgres://"):
            return "postgresql+psycopg://" + db.split("://", 1)[1]
        return db
    return f"sqlite:///{(Path(site) / DEFAULT_FILE).resolve()}"


class Store:
    """The subscriptions in the database at ``url``; opened (and upgraded) at once."""

    def __init__(self, url: str):
        self.url = url
        try:
            self.engine = _engine(url)
            with self.engine.begin() as conn:
                _upgrade(conn)
                self.secret = bytes.fromhex(_secret(conn))
        except sa.exc.SQLAlchemyError as err:
            raise StatusPageError(f"cannot open the subscribers' database "
                                  f"{_shown(url)}: {_reason(err)}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- asking and confirming -------------------------------------------------------------

    def request(self, email: str, lang: str, kind: str = ALL, target: str = "",
                now: datetime | None = None) -> str | None:
        """A new request to follow ``kind``/``target``: the confirmation token to mail, or
        None when that address already follows it (nothing to confirm)."""
        now = (now or _now()).astimezone(UTC)
        email = normalised(email)
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            self._expire(conn, now)
            row = conn.execute(sa.select(subscriptions.c.id, subscriptions.c.confirmed).where(
                subscriptions.c.email == email, subscriptions.c.kind == kind,
                subscriptions.c.target == target)).first()
            if row is not None and row.confirmed is not None:
                return None
            values = {"lang": lang, "requested": now, "token_hash": token_hash(token)}
            if row is None:
                conn.execute(subscriptions.insert().values(
                    email=email, kind=kind, target=target, **values))
            else:
                conn.execute(subscriptions.update().where(subscriptions.c.id == row.id)
                             .values(**values))
        return token

    def pending(self, token: str, now: datetime | None = None) -> Subscription | None:
        """The unconfirmed request ``token`` confirms, if it has not expired."""
        now = (now or _now()).astimezone(UTC)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(subscriptions).where(
                subscriptions.c.token_hash == token_hash(token),
                subscriptions.c.confirmed.is_(None))).first()
        if row is None or _aware(row.requested) < now - EXPIRY:
            return None
        return _subscription(row)

    def confirm(self, token: str, now: datetime | None = None) -> Subscription | None:
        """Confirm the request ``token`` names; None when there is none (or it expired)."""
        now = (now or _now()).astimezone(UTC)
        found = self.pending(token, now)
        if found is None:
            return None
        with self.engine.begin() as conn:
            conn.execute(subscriptions.update().where(subscriptions.c.id == found.id).values(
                confirmed=now, token_hash=None))
        return self.get(found.id)

    def _expire(self, conn, now: datetime) -> None:
        conn.execute(subscriptions.delete().where(subscriptions.c.confirmed.is_(None),
                                                  subscriptions.c.requested < now - EXPIRY))

    # -- leaving -----------------------------------------------------------------------------

    def leave_token(self, subscription_id: int) -> str:
        """The unsubscribe link's token for a subscription: its number and a MAC."""
        mac = hmac.new(self.secret, f"leave {subscription_id}".encode(), "sha256").hexdigest()
        return f"{subscription_id}.{mac[:40]}"

    def by_leave_token(self, token: str) -> Subscription | None:
        number, _, mac = token.partition(".")
        if not number.isascii() or not number.isdigit() or len(number) > 18:
            return None
        if not hmac.compare_digest(self.leave_token(int(number)), token):
            return None
        return self.get(int(number))

    def get(self, subscription_id: int) -> Subscription | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(subscriptions).where(
                subscriptions.c.id == subscription_id)).first()
        return _subscription(row) if row is not None else None

    def remove(self, subscription_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(subscriptions.delete().where(subscriptions.c.id == subscription_id))

    def delete(self, email: str) -> int:
        """Everything about ``email``: how many subscriptions were removed."""
        with self.engine.begin() as conn:
            return conn.execute(subscriptions.delete().where(
                subscriptions.c.email == normalised(email))).rowcount

    def end_incidents(self, incident_ids: Iterable[str]) -> int:
        """The subscriptions to incidents that are over for good."""
        ids = list(incident_ids)
        if not ids:
            return 0
        with self.engine.begin() as conn:
            return conn.execute(subscriptions.delete().where(
                subscriptions.c.kind == INCIDENT, subscriptions.c.target.in_(ids))).rowcount

    # -- bounces -----------------------------------------------------------------------------

    def bounced(self, email: str) -> bool:
        """One more permanent refusal: True when the address is dropped (the third)."""
        email = normalised(email)
        with self.engine.begin() as conn:
            conn.execute(subscriptions.update().where(subscriptions.c.email == email).values(
                bounces=subscriptions.c.bounces + 1))
            worst = conn.execute(sa.select(sa.func.max(subscriptions.c.bounces)).where(
                subscriptions.c.email == email)).scalar()
            if worst is not None and worst >= MAX_BOUNCES:
                conn.execute(subscriptions.delete().where(subscriptions.c.email == email))
                return True
        return False

    def delivered(self, email: str) -> None:
        """A delivery accepted: the bounces were passing."""
        with self.engine.begin() as conn:
            conn.execute(subscriptions.update().where(
                subscriptions.c.email == normalised(email), subscriptions.c.bounces > 0)
                .values(bounces=0))

    # -- reading -----------------------------------------------------------------------------

    def addresses(self) -> set[str]:
        """Every address with a subscription, confirmed or not."""
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(subscriptions.c.email).distinct()).scalars())

    def has(self, email: str) -> bool:
        """Whether ``email`` has a subscription, confirmed or not."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(subscriptions.c.id).where(
                subscriptions.c.email == normalised(email)).limit(1)).first() is not None

    def bouncing(self) -> set[str]:
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(subscriptions.c.email).where(
                subscriptions.c.bounces > 0).distinct()).scalars())

    def all(self, email: str | None = None) -> list[Subscription]:
        query = sa.select(subscriptions).order_by(subscriptions.c.email, subscriptions.c.id)
        if email is not None:
            query = query.where(subscriptions.c.email == normalised(email))
        with self.engine.connect() as conn:
            return [_subscription(row) for row in conn.execute(query)]

    def recipients(self, incident_id: str, components: Iterable[str]) -> Iterator[
            tuple[int, str, str]]:
        """(subscription number, address, language) of each confirmed address following
        the incident, one of ``components`` or everything: one per address (its
        narrowest subscription: the incident's, else a service's, else everything)."""
        c = subscriptions.c
        rank = sa.case((c.kind == INCIDENT, 0), (c.kind == COMPONENT, 1), else_=2)
        query = sa.select(c.id, c.email, c.lang).where(
            c.confirmed.is_not(None),
            sa.or_(c.kind == ALL,
                   sa.and_(c.kind == INCIDENT, c.target == incident_id),
                   sa.and_(c.kind == COMPONENT, c.target.in_(list(components) or [""])))
        ).order_by(c.email, rank, c.id)
        last = None
        with self.engine.connect() as conn:
            for number, email, lang in conn.execute(query).yield_per(2000):
                if email != last:
                    last = email
                    yield number, email, lang

    def incident_recipients(self, incident_id: str) -> list[tuple[int, str, str]]:
        c = subscriptions.c
        with self.engine.connect() as conn:
            return [tuple(row) for row in conn.execute(sa.select(c.id, c.email, c.lang).where(
                c.confirmed.is_not(None), c.kind == INCIDENT, c.target == incident_id)
                .order_by(c.email))]

    def add_confirmed(self, rows: Iterable[tuple[str, str, str, str]],
                      now: datetime | None = None) -> int:
        """(email, lang, kind, target) as confirmed subscriptions (an import); those already
        there are kept as they are. How many were added."""
        now = (now or _now()).astimezone(UTC)
        added = 0
        with self.engine.begin() as conn:
            existing = {(r.email, r.kind, r.target) for r in conn.execute(
                sa.select(subscriptions.c.email, subscriptions.c.kind, subscriptions.c.target))}
            batch = []
            for email, lang, kind, target in rows:
                key = (normalised(email), kind, target)
                if key in existing:
                    continue
                existing.add(key)
                batch.append({"email": key[0], "lang": lang, "kind": kind, "target": target,
                              "requested": now, "confirmed": now})
            for start in range(0, len(batch), 5000):
                conn.execute(subscriptions.insert(), batch[start:start + 5000])
                added += len(batch[start:start + 5000])
        return added


# -- the schema --------------------------------------------------------------------------


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _pragmas(connection, _record):  # each connection: WAL, and wait for a writer
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _upgrade(conn) -> None:
    """Create the tables, or bring an older version's up to this one, in place."""
    inspector = sa.inspect(conn)
    if not inspector.has_table(meta_table.name):
        metadata.create_all(conn)
        conn.execute(meta_table.insert().values(key="version", value=str(VERSION)))
        return
    version = int(conn.execute(sa.select(meta_table.c.value).where(
        meta_table.c.key == "version")).scalar() or 1)
    if version > VERSION:
        raise StatusPageError(f"the subscribers' database is of version {version}, newer than "
                              f"this statuspage's ({VERSION}): upgrade statuspage")
    if version < 2:  # version 1 did not count bounces
        conn.execute(sa.text(f"ALTER TABLE {subscriptions.name} "
                             "ADD COLUMN bounces INTEGER NOT NULL DEFAULT 0"))
    metadata.create_all(conn)  # indexes a version lacked
    conn.execute(meta_table.update().where(meta_table.c.key == "version").values(
        value=str(VERSION)))


def _secret(conn) -> str:
    found = conn.execute(sa.select(meta_table.c.value).where(
        meta_table.c.key == "secret")).scalar()
    if found is None:
        found = secrets.token_hex(32)
        conn.execute(meta_table.insert().values(key="secret", value=found))
    return found


def _subscription(row) -> Subscription:
    return Subscription(row.id, row.email, row.lang, row.kind, row.target,
                        _aware(row.requested), _aware(row.confirmed) if row.confirmed else None,
                        row.bounces)


def _aware(moment: datetime) -> datetime:
    """SQLite gives back naive datetimes: they were written in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _now() -> datetime:
    return datetime.now(UTC)


def _shown(url: str) -> str:
    """A database URL without its password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(unreadable URL)"


def _reason(err: Exception) -> str:
    return str(getattr(err, "orig", None) or err).strip().splitlines()[0]
