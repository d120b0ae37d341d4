"""Human-readable text: one string per language, and the one rule that picks the
string shown in a language (``Text.get_in``), for the pages, feeds, API, mail and phone
line alike. A leaf: no I/O, nothing of the site.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Localized:
    """A text in one language, and the language it is really written in."""

    value: str
    lang: str


class Text(Mapping[str, str]):
    """Human-readable text: one string per language code.

    ``get_in(lang, default)`` falls back to the default language, then to any.
    """

    def __init__(self, values: Mapping[str, str] | str, lang: str = ""):
        data = {lang: values} if isinstance(values, str) else dict(values)
        self._values = MappingProxyType(data)

    def __getitem__(self, key: str) -> str:
        return self._values[key]

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Text({dict(self._values)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and dict(self._values) == dict(other._values)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._values.items())))

    def __reduce__(self):
        return (Text, (dict(self._values),))

    def merged(self, other: Mapping[str, str]) -> Text:
        return Text({**self._values, **other})

    def get_in(self, lang: str, default_lang: str) -> Localized:
        """The text in ``lang``, else in the default language, else the one for every
        language (``""``), else any; with the language it is really in."""
        for candidate in (lang, default_lang, ""):
            if candidate in self._values:
                return Localized(self._values[candidate], candidate or lang)
        first = next(iter(self._values.items()), ("", ""))
        return Localized(first[1], first[0] or lang)

    def value_in(self, lang: str, default_lang: str) -> str:
        """The words ``get_in`` picks ("" for an empty text): what every channel that
        does not mark the language (the API, mail, the phone line) shows."""
        return self.get_in(lang, default_lang).value


EMPTY_TEXT = Text({})
