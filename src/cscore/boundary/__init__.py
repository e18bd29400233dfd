"""The boundary: every limit on data that enters cscore from outside, in one place.

Outside data is the case envelope a host sends, the facts inside it, rule files and
decision tables, and holiday calendars. Each limit is answered the way DESIGN.md §2.4
asks, never with a traceback:

* the envelope (size, nesting, keys, string and integer length): :class:`CaseError`
  naming the field — :mod:`cscore.boundary.envelope`;
* a fact's value (finite numbers, money and counts in range, dates the calendar can
  count in): an ``invalid_input`` outcome naming the field — the fact types of
  :mod:`cscore.models.facts` use the bounds below;
* rule files (size, YAML nesting, aliases, tags, number literals, expression nesting):
  a one-line ``file:line`` :class:`RuleFileError` — :mod:`cscore.boundary.rulefiles`.

The numbers are documented in docs/limits.md; change them here only.
"""

from __future__ import annotations

import datetime as dt

# -- the envelope (cscore.boundary.envelope) --------------------------------------------
MAX_BODY_CHARS = 1_000_000  # a case as JSON text or bytes; real cases are a few KB
MAX_DEPTH = 32  # objects and lists inside one another (facts models nest 3 deep)
MAX_KEYS = 1_000  # keys of one object (a facts model has about 100 fields)
MAX_VALUES = 20_000  # values in one case, all levels together
MAX_STRING_CHARS = 100_000  # one string (a key or a value)
MAX_INT_DIGITS = 100  # one integer (Python refuses to print more than 4,300)
MAX_SUGGESTIONS = 5  # unknown facts that get a "did you mean" (each costs ~1 ms)

# -- fact values (cscore.models.facts) --------------------------------------------------
MAX_MONEY = 1e12  # yuan; 2 decimals stay exact below ~9e13 (53-bit floats)
MAX_COUNT = 10**12  # quantities, rings, counts
# The calendar counts in years 1–9999 and rules add at most years to a date: dates
# and timestamps outside these years are impossible facts, not a crash in a rule.
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2999, 12, 31)

# -- rule files (cscore.boundary.rulefiles) ---------------------------------------------
MAX_RULE_FILE_BYTES = 2_000_000
MAX_YAML_DEPTH = 32
MAX_YAML_NODES = 200_000  # after aliases are expanded (an alias bomb stops here)
MAX_NUMBER_CHARS = 30  # a number literal in YAML, a cell or an expression
MAX_EXPRESSION_CHARS = 10_000
MAX_EXPRESSION_DEPTH = 32  # parentheses, lists, calls, not/minus chains
MAX_CSV_CELL_CHARS = 100_000  # Python's csv module stops at 131,072
