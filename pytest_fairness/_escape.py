r"""Escaping of text that comes from data, one function per output.

Group labels, column names, check names and test ids come from the user's
data and code. Every renderer passes them through the function of its output
before they are written, so a label can neither forge structure (a markdown
heading, an image, an HTML tag, a JUnit attribute that is not well-formed)
nor drive the terminal (colour codes, cursor moves, bidirectional overrides
that reorder what is shown).

All outputs first make invisible characters visible, in Python's escape
notation: C0 and C1 control characters (newline, tab, ESC, NUL ...) and DEL,
line and paragraph separators, bidirectional controls (U+202A-U+202E,
U+2066-U+2069, U+200E, U+200F, U+061C), lone surrogates and the
non-characters U+FFFE and U+FFFF. ``"x\n## y"`` is shown as ``x\n## y`` on one
line; ``"\x1b[31mred"`` as ``\x1b[31mred``. Everything else, emoji and long
labels included, is kept. This step is idempotent, so text escaped twice
reads the same. Each output then adds its own syntax escaping.

Standard library only: the plugin and the core both use it.
"""

from __future__ import annotations

import html as _html
import re

__all__ = ["html", "markdown", "terminal", "unsafe_characters", "visible", "xml_attr"]

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# markdown: characters that open inline structure anywhere in a line
_MD_ALWAYS = re.compile(r"[\\`*\[\]|~$]")
# "_" opens emphasis only next to a non-alphanumeric character
_MD_UNDERSCORE = re.compile(r"(?<![^\W_])_|_(?![^\W_])")
# "&" starts an entity reference, "<" a tag, comment or autolink
_MD_ENTITY = re.compile(r"&(?=#|[A-Za-z0-9]+;)")
_MD_TAG = re.compile(r"<(?=[A-Za-z/!?])")
# bare URLs and www. names become links on GitHub
_MD_URL = re.compile(r":(?=//)")
_MD_WWW = re.compile(r"(?<![^\W_])(www)\.", re.IGNORECASE)
# at the start of a line: headings, quotes, lists, thematic breaks
_MD_LEADING = re.compile(r"^([#>+\-=])|^(\d+)([.)])")


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: object) -> str:
    r"""Make control, separator and bidirectional-override characters visible.

    Parameters
    ----------
    text : object
        Text from data (anything else is converted with ``str``).

    Returns
    -------
    str
        The text on one line, with those characters written as ``\n``,
        ``\x1b``, ``\u202e`` ...; idempotent.
    """
    return _UNSAFE.sub(_escape_char, str(text))


def unsafe_characters(text: str) -> list[str]:
    """Return the characters of ``text`` that :func:`visible` rewrites.

    Parameters
    ----------
    text : str
        The text.

    Returns
    -------
    list of str
        The distinct offending characters, in order of appearance.
    """
    return list(dict.fromkeys(_UNSAFE.findall(text)))


def terminal(text: object) -> str:
    """Escape text for a terminal: one line, no escape sequences or reordering.

    Parameters
    ----------
    text : object
        Text from data.

    Returns
    -------
    str
        :func:`visible` text: it holds no ESC, no other C0 or C1 control
        character and no bidirectional control.
    """
    return visible(text)


def xml_attr(text: object) -> str:
    """Escape text for an XML attribute (JUnit properties).

    The XML writer escapes ``&``, ``<``, ``>`` and quotes; what it cannot
    write at all (control characters, lone surrogates, U+FFFE, U+FFFF) is
    made visible here, so the attribute reads back as the terminal shows it.

    Parameters
    ----------
    text : object
        Text from data.

    Returns
    -------
    str
        :func:`visible` text, which holds only characters XML 1.0 allows.
    """
    return visible(text)


def html(text: object) -> str:
    """Escape text for HTML element content or a quoted attribute value.

    Parameters
    ----------
    text : object
        Text from data.

    Returns
    -------
    str
        :func:`visible` text with ``&``, ``<``, ``>``, ``"`` and ``'`` as
        character references.
    """
    return _html.escape(visible(text), quote=True)


def markdown(text: object, *, cell: bool = False) -> str:
    """Escape text for GitHub-flavoured markdown: a list item or a table cell.

    The text renders as itself and creates no structure: no heading, quote,
    list, code block, table cell, emphasis, code span, link, image,
    autolink, HTML tag or math.

    Parameters
    ----------
    text : object
        Text from data, placed inline.
    cell : bool, default=False
        The text fills a table cell, where only inline structure exists, so
        a leading ``#``, ``>``, ``-`` ... needs no escape. Otherwise it may
        start a line (a list item).

    Returns
    -------
    str
        :func:`visible` text with markdown's punctuation backslash-escaped
        where it could open structure, ``&`` and ``<`` written as character
        references where they could start an entity or a tag, and (unless
        ``cell``) leading spaces as ``&#32;``, which could start a code
        block.
    """
    out = visible(text)
    out = _MD_ALWAYS.sub(r"\\\g<0>", out)
    out = _MD_UNDERSCORE.sub(r"\\_", out)
    out = _MD_ENTITY.sub("&amp;", out)
    out = _MD_TAG.sub("&lt;", out)
    out = _MD_URL.sub(r"\\:", out)
    out = _MD_WWW.sub(r"\1\\.", out)
    if cell:
        return out
    stripped = out.lstrip(" ")
    if stripped != out:
        out = "&#32;" * (len(out) - len(stripped)) + stripped
    return _MD_LEADING.sub(
        lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
        out,
    )
