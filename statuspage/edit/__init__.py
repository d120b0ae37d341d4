"""Edit: what the writing commands do to the content files (new incidents, updates,
notes, a new site), in the format staff write by hand, under one lock."""
