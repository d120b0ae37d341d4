"""Freeze: the web app's outputs planned, rendered on every core and swapped in atomically
as the built site on disk."""
