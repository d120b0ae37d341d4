"""State: what is true at a given moment, derived once from the loaded site (the snapshot,
its views, uptime, the instants the page changes by itself), and the documents and texts
made from it. Pure functions of (site, now): no Flask, no I/O."""
