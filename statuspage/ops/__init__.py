"""Ops: running the site and talking to the world: the daemon, the watcher, publishing to
object storage, webhooks and e-mail through the outbox, monitoring."""
