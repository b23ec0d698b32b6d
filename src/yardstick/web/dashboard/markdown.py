"""Markdown widgets' text as safe HTML.

markdown-it-py (CommonMark; installed with `rich`, which the core depends on) with raw HTML off:
any tag in the text is escaped and shown as text, never parsed. Its link check refuses
`javascript:`, `vbscript:`, `file:` and `data:` URLs (the link stays text). Images are off: the
pages' Content-Security-Policy would refuse another site's image anyway. Links open with
`rel="nofollow noopener noreferrer"`. Headings go two levels down (`#` is an `<h3>`): the
text sits inside a page whose `<h1>` and section `<h2>`s are its outline, and a widget's or an
item's `# Title` is a heading within them, not a second title of the page.
"""

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

MAX_CHARS = 50_000
# Past this many `[`, a text is not rendered as markdown (see render_markdown).
MAX_BRACKETS = 500

_MD = MarkdownIt("commonmark", {"html": False}).disable("image")


def _link_open(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "nofollow noopener noreferrer")
    rendered: str = self.renderToken(tokens, idx, options, env)
    return rendered


_MD.add_render_rule("link_open", _link_open)

HEADING_SHIFT = 2


def _heading(self: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    token = tokens[idx]
    token.tag = f"h{min(int(token.tag[1:]) + HEADING_SHIFT, 6)}"
    rendered: str = self.renderToken(tokens, idx, options, env)
    return rendered


_MD.add_render_rule("heading_open", _heading)
_MD.add_render_rule("heading_close", _heading)


def render_markdown(text: str) -> Markup:
    return _render(text[:MAX_CHARS])  # the cache keeps what is rendered, not a longer text


@lru_cache(maxsize=256)  # a page viewed again (a dashboard, a review item) is not rendered again
def _render(text: str) -> Markup:
    if text.count("[") > MAX_BRACKETS:
        # markdown-it's links cost time quadratic in open brackets: `[` * 50,000 took 2 s of
        # CPU at every view of the page. Text that bracket-laden is shown as it is.
        return Markup('<pre class="markdown-plain">') + escape(text) + Markup("</pre>")
    return Markup(_MD.render(text))  # escaped by markdown-it: HTML is off
