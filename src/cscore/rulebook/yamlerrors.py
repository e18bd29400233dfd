"""YAML syntax errors in plain words, with the line to look at.

The parser's own text ("could not find expected ':'", "mapping values are not allowed
here") means nothing to the person who edits a rule file; each common mistake gets a
sentence saying what to do, and the line where the mistake is (for an unclosed bracket
or quote, the line where it was opened).
"""

from __future__ import annotations

from ruamel.yaml.error import MarkedYAMLError


def explain(exc: MarkedYAMLError) -> tuple[int | None, str]:
    """The 1-based line and the message (``YAML error: …``) for a YAML syntax error."""
    line, message = _explain(exc)
    return line, message if message.startswith("YAML error") else f"YAML error: {message}"


def _explain(exc: MarkedYAMLError) -> tuple[int | None, str]:
    problem = exc.problem or ""
    context = exc.context or ""
    at_problem = exc.problem_mark.line + 1 if exc.problem_mark is not None else None
    at_context = exc.context_mark.line + 1 if exc.context_mark is not None else None
    opened = at_context or at_problem
    if "'\\t'" in problem:
        return at_problem, "a tab character at the start of a line: indent with spaces"
    if "could not find expected ':'" in problem:
        return opened, (
            "a missing colon: write 'name: value' (or a list item as '- value'); "
            "is the ':' after the name missing?"
        )
    if "mapping values are not allowed here" in problem:
        return at_problem, (
            "a colon followed by a space inside a value: put the text in quotes "
            '("…") or leave out the colon'
        )
    if "flow sequence" in context or "or ']'" in problem:
        return opened, "a '[' that is not closed: end the list with ']'"
    if "flow mapping" in context or "or '}'" in problem:
        return opened, "a '{' that is not closed: end the mapping with '}'"
    if "quoted scalar" in context:
        return opened, "a quote that is not closed: end the text with the same quote"
    if "block mapping" in context or "block collection" in context:
        return at_problem, (
            "this line's indentation does not fit the lines above: indent each key "
            "of one mapping by the same number of spaces"
        )
    return at_problem or at_context, f"YAML error: {problem or context or 'invalid YAML'}"
