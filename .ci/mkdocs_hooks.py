"""MkDocs hooks: a site that builds and reads without the network.

Material's ``offline`` plugin makes the pages work from the file system, but
adds a script from unpkg.com (a shim for search under ``file://``). The hook
drops it: search then works when the site is served (``mkdocs serve`` or
``python -m http.server``), and every page reads offline. After each page is
rendered, any script, stylesheet, font or image it would fetch from the
network is a warning, which ``mkdocs build --strict`` turns into a failure.
"""

from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger("mkdocs.hooks.offline")

# a tag that makes the browser fetch its address as the page loads
_FETCHED = re.compile(
    r"<(?:script|img|iframe|source)\b[^>]*\bsrc=[\"']?(?:https?:)?//[^\"'\s>]+"
    r"|<link\b[^>]*\bhref=[\"']?(?:https?:)?//[^\"'\s>]+"
    r"|url\([\"']?(?:https?:)?//[^)]+\)",
    re.IGNORECASE,
)


# the opening line of a fence marked notest: ```python notest
_NOTEST_FENCE = re.compile(
    r"^([ \t]*(?:`{3,}|~{3,})[ \t]*python)[ \t]+notest[ \t]*$", re.MULTILINE
)


def on_config(config: Any) -> Any:
    """Drop the polyfills that Material loads from a CDN."""
    polyfills = config.extra.get("polyfills", [])
    config.extra["polyfills"] = [
        url for url in polyfills if not re.match(r"(?:https?:)?//", url)
    ]
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Render the blocks marked ``notest`` as Python."""
    return _NOTEST_FENCE.sub(r"\1", markdown)


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Warn about anything the page would fetch from the network."""
    for match in sorted(set(_FETCHED.findall(output))):
        log.warning("%s fetches from the network: %s", page.file.src_uri, match)
    return output
