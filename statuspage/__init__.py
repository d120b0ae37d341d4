"""statuspage: markdown incidents in, a frozen bilingual status site out.

The package is a one-way pipeline: ``content`` loads and validates files into
the plain data of ``model``; ``status`` derives what is true at a given ``now``;
``web`` renders it with Flask; ``build`` freezes it into static files; ``cli``
wraps each step in one command.
"""

__version__ = "0.1.0"
