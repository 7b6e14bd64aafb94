"""A message rendered from its template and the ledger's facts. Templates are Django template
text run by their own `Engine` (no access to the project's templates or tags beyond the
built-ins): the HTML part escaped, the text part and the subject as written. A template that
fails says which template and which line, and stops only its own message."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django.template import Context, Engine, Template, TemplateSyntaxError
from django.template.defaultfilters import linebreaks_filter
from django.utils.safestring import mark_safe

_HTML = Engine(debug=True, autoescape=True)
_TEXT = Engine(debug=True, autoescape=False)


class RenderError(Exception):
    def __init__(self, where: str, line: int | None, problem: str) -> None:
        self.where = where
        self.line = line
        self.problem = problem
        at = f", line {line}" if line is not None else ""
        super().__init__(f"{where}{at}: {problem}")


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    text: str
    html: str


def _line(error: Exception) -> int | None:
    debug = getattr(error, "template_debug", None)
    if isinstance(debug, dict) and isinstance(debug.get("line"), int):
        return int(debug["line"])
    return None


@functools.lru_cache(maxsize=256)
def _compile(engine: Engine, source: str, where: str) -> Template:
    """Compiled once per text: a run renders the same few templates thousands of times."""
    try:
        return engine.from_string(source)
    except TemplateSyntaxError as error:
        raise RenderError(where, _line(error), str(error)) from None


def _render(template: Template, context: dict[str, Any], where: str) -> str:
    try:
        return template.render(Context(context, autoescape=template.engine.autoescape))
    except Exception as error:  # a filter or a lookup that raised: this message only
        raise RenderError(where, _line(error), f"{type(error).__name__}: {error}") from None


def render_message(*, name: str, subject: str, body: str, context: dict[str, Any]) -> Rendered:
    """The subject (one line), text and HTML parts of template `name`; RenderError if the
    subject or body cannot be compiled or rendered."""
    subject_text = _render(_compile(_TEXT, subject, f"{name} subject"), context, f"{name} subject")
    text = _render(_compile(_TEXT, body, f"{name} body"), context, f"{name} body")
    escaped = _render(_compile(_HTML, body, f"{name} body"), context, f"{name} body")
    # The escaped render is already safe; linebreaks only adds paragraphs around it.
    html = linebreaks_filter(mark_safe(escaped), autoescape=False)
    return Rendered(" ".join(subject_text.split()), text.strip() + "\n", html)
