"""The interface's language: English in the source, simplified Chinese from the message catalogue.

Every string a learner reads is marked `_("...")` (or `ngettext` for counts, `N_` for a constant translated
where it is shown); Babel extracts them into `messages.pot`, translators fill
`locale/zh_CN/LC_MESSAGES/aiquiz.po`, and the compiled `aiquiz.mo` ships as package data. At run time only
the standard library's `gettext` reads the `.mo` (no Babel import: `aiquiz due` stays fast).

The language is chosen once per command by the CLI (`set_language`); the pure core only looks messages up,
so English stays the default for library callers and tests.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from pathlib import Path

DOMAIN = "aiquiz"
LOCALEDIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "zh")
ENV_VAR = "AIQUIZ_LANG"
_CATALOGUES = {"zh": ("zh_CN",)}  # interface language -> gettext locale(s); English is the source text

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def set_language(lang: str) -> None:
    """Show the interface in `lang` ("en" or "zh"; anything else is English) from now on."""
    global _current, _language
    _language = lang if lang in _CATALOGUES else "en"
    if _language == "en":
        _current = gettext.NullTranslations()
    else:
        _current = gettext.translation(DOMAIN, localedir=str(LOCALEDIR), languages=list(_CATALOGUES[_language]),
                                       fallback=True)


def language() -> str:
    """The interface language now in use: "en" or "zh"."""
    return _language


def from_environment(environ: Mapping[str, str]) -> str | None:
    """The interface language `AIQUIZ_LANG` asks for ("zh" for zh, zh_CN, zh-Hans, ...; "en" for en*), or None."""
    value = environ.get(ENV_VAR, "").strip().lower().replace("-", "_")
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def _(message: str) -> str:
    """`message` in the interface language."""
    return _current.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for `count`, in the interface language (Chinese has one form)."""
    return _current.ngettext(singular, plural, count)


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it now (a constant translated where shown)."""
    return message
