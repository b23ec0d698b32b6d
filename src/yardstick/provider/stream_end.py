"""How a streamed call knows it got the whole answer, route by route.

A stream that stops without its end is cut short, and its consumer must not take what it got
for a whole answer. Chat and text completions end with `[DONE]`, after every choice has its
`finish_reason` (and the usage chunk, when asked for); some OpenAI-compatible servers send no
`[DONE]`, so a stream whose choices all finished is whole without it. The Responses API sends
no `[DONE]`: its stream ends at the event that completes, cuts short or fails the response,
and nothing after that event is read (an upstream that kept the connection open held the
caller until the read timeout, then made its stream end in an error).
"""

from typing import Any, Protocol


class StreamEnd(Protocol):
    """One stream's watch for its end: `see` each event, in order."""

    @property
    def missing(self) -> str:
        """What a stream cut short lacked, for its error ("no [DONE], ...")."""
        ...

    def see(self, event: dict[str, Any]) -> bool:
        """Note an event; whether it is the stream's last (nothing after it is read)."""
        ...

    @property
    def finished(self) -> bool:
        """Whether the events seen make a whole answer without `[DONE]`."""
        ...

    def done(self) -> bool:
        """`[DONE]` came: whether that ends the stream whole."""
        ...


class ChoicesEnd:
    """Chat and text completions: `[DONE]` ends the stream, or, without it, every choice
    finished (at least `n`, and each one seen) and the usage chunk came when asked for."""

    def __init__(self, body: dict[str, Any]) -> None:
        n = body.get("n")
        per_prompt = n if isinstance(n, int) and not isinstance(n, bool) and n > 0 else 1
        # A text completion of several prompts answers `n` choices for each: it once ended,
        # cut after the first prompt's, as whole.
        self._choices = per_prompt * _prompts(body.get("prompt"))
        options = body.get("stream_options")
        self._wants_usage = isinstance(options, dict) and options.get("include_usage") is True
        self._seen: set[object] = set()
        self._done: set[object] = set()
        self._usage = False

    def see(self, event: dict[str, Any]) -> bool:
        choices = event.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if isinstance(choice, dict):
                index = choice.get("index", 0)
                self._seen.add(index)
                if choice.get("finish_reason"):
                    self._done.add(index)
        if event.get("usage"):
            self._usage = True
        return False  # the usage chunk and `[DONE]` may follow the last finish_reason

    @property
    def finished(self) -> bool:
        return (
            len(self._done) >= self._choices
            and self._seen <= self._done
            and (self._usage or not self._wants_usage)
        )

    def done(self) -> bool:
        return True

    @property
    def missing(self) -> str:
        """What the stream lacked, had it ended now."""
        if len(self._done) >= self._choices and self._seen <= self._done:
            return "no [DONE], and no usage chunk though one was asked for"
        return "no [DONE], and not every choice finished"


def _prompts(prompt: Any) -> int:
    """How many prompts a text completion's `prompt` holds: a list of texts or of token lists
    is one each; a text, or one list of token ids, is one (a chat has none: one)."""
    if isinstance(prompt, list) and prompt and all(isinstance(p, str | list) for p in prompt):
        return len(prompt)
    return 1


# The events that end a Responses API stream: the response done, cut short or failed, or an
# error.
_RESPONSE_ENDS = frozenset(
    {"response.completed", "response.incomplete", "response.failed", "error"}
)


class ResponseEnd:
    """The Responses API: the stream ends at its final event, and only there."""

    missing = "no response.completed, response.incomplete or response.failed"

    def __init__(self) -> None:
        self._finished = False

    def see(self, event: dict[str, Any]) -> bool:
        self._finished = event.get("type") in _RESPONSE_ENDS
        return self._finished

    @property
    def finished(self) -> bool:
        return self._finished

    def done(self) -> bool:
        return self._finished  # OpenAI sends none: one before the final event cuts it short
