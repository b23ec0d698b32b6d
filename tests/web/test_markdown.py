"""Markdown shown in pages (dashboard widgets, review layouts): safe HTML at a bounded cost."""

from yardstick.web.dashboard.markdown import MAX_BRACKETS, render_markdown


def test_text_laden_with_brackets_is_shown_as_it_is() -> None:
    """markdown-it's links cost time quadratic in open brackets: `[` * 50,000 took 2 s of CPU
    at every view of the page."""
    shown = render_markdown("<b>" + "[" * 50_000)  # not given to markdown-it at all
    assert shown.startswith('<pre class="markdown-plain">&lt;b&gt;[[[')
    assert str(render_markdown("[x](https://e.x)")).startswith('<p><a href="https://e.x"')
    assert "<a " in str(render_markdown("[a](https://e.x) " * MAX_BRACKETS))
