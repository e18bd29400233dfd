"""Parse rule expressions into the syntax tree of :mod:`cscore.language.ast`.

A hand-written recursive-descent parser: rule text is data, so it is parsed here and
compiled; it is never handed to ``eval``. Grammar, loosest binding first::

    expr     := "if" expr "then" expr "else" expr | or
    or       := and ("or" and)*
    and      := not ("and" not)*
    not      := "not" not | compare
    compare  := sum [("=="|"!="|"<"|"<="|">"|">="|"in"|"not" "in") sum | "is" ["not"] "null"]
    sum      := product (("+"|"-") product)*
    product  := unary (("*"|"/") unary)*
    unary    := "-" unary | atom
    atom     := NUMBER | STRING | "true" | "false" | "null" | NAME ("." NAME)*
              | NAME "(" [arg ("," arg)*] ")" | "(" expr ")" | "[" [expr ("," expr)*] "]"
    arg      := expr ["where" expr]      (a filtered list: only in list operations)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cscore.boundary import MAX_EXPRESSION_CHARS, MAX_EXPRESSION_DEPTH, MAX_NUMBER_CHARS
from cscore.language.ast import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Filter,
    IfThen,
    ListExpr,
    Literal,
    Name,
    Node,
    Unary,
)


class ExpressionError(ValueError):
    """A syntax or type error at character ``pos`` of an expression."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|“[^”]*”|‘[^’]*’|「[^」]*」)
  | (?P<name>[^\W\d][\w]*(?:\.[^\W\d][\w]*)*)
  | (?P<op>==|!=|<=|>=|<|>|\+|-|\*|/|\(|\)|\[|\]|,)
  | (?P<lookalike>＝＝|！＝|＜＝|＞＝|≠|≤|≥|≦|≧|＜|＞|（|）|［|］|【|】|，|＋|－|＊|／)
  | (?P<bad>.)
    """,
    re.VERBOSE,
)

# What a Chinese keyboard (or a word processor) types instead of the ASCII operator:
# read as the operator it looks like, so `a ≥ 99` and `[新疆，西藏]` mean what they say.
_LOOKALIKES = {
    "＝＝": "==",
    "！＝": "!=",
    "＜＝": "<=",
    "＞＝": ">=",
    "≠": "!=",
    "≤": "<=",
    "≥": ">=",
    "≦": "<=",
    "≧": ">=",
    "＜": "<",
    "＞": ">",
    "（": "(",
    "）": ")",
    "［": "[",
    "］": "]",
    "【": "[",
    "】": "]",
    "，": ",",
    "＋": "+",
    "－": "-",
    "＊": "*",
    "／": "/",
}

_KEYWORDS = {
    "and",
    "or",
    "not",
    "in",
    "is",
    "true",
    "false",
    "null",
    "where",
    "if",
    "then",
    "else",
}
_COMPARISONS = {"==", "!=", "<", "<=", ">", ">="}
_HINTS = {
    "=": "use == to compare",
    "＝": "use == to compare",
    "&": "write 'and'",
    "＆": "write 'and'",
    "|": "write 'or'",
    "｜": "write 'or'",
    "!": "write 'not' (or != to compare)",
    "！": "write 'not' (or != to compare)",
    "、": "separate list items with ','",
    "；": "join tests with 'and' / 'or'",
    ";": "join tests with 'and' / 'or'",
    "：": "a condition has no ':'",
}


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, name, op, keyword, end
    text: str
    pos: int


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    for match in _TOKEN.finditer(source):
        kind = match.lastgroup
        text = match.group()
        if kind == "space":
            continue
        if kind == "bad":
            hint = _HINTS.get(text)
            raise ExpressionError(
                f"unexpected character {text!r}" + (f": {hint}" if hint else ""), match.start()
            )
        if kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        elif kind == "lookalike":
            kind, text = "op", _LOOKALIKES[text]
        elif kind == "string" and text[0] in "“‘「":
            text = '"' + text[1:-1].replace("\\", "\\\\").replace('"', '\\"') + '"'
        elif kind == "name" and text in ("TRUE", "FALSE", "True", "False"):
            kind, text = "keyword", text.lower()  # as a spreadsheet writes a yes/no
        tokens.append(Token(kind or "bad", text, match.start()))
    tokens.append(Token("end", "", len(source)))
    return tokens


def parse(source: str) -> Node:
    """Parse one expression; raise :class:`ExpressionError` pointing at the problem."""
    if not source or not source.strip():
        raise ExpressionError("empty expression", 0)
    if len(source) > MAX_EXPRESSION_CHARS:
        raise ExpressionError(
            f"expression of {len(source):,} characters; at most {MAX_EXPRESSION_CHARS:,}", 0
        )
    return _Parser(tokenize(source)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0  # nested groups, lists, calls and prefix operators

    def nest(self, token: Token) -> None:
        """Bound the recursion of the parser (and of the checker and compiler after it)."""
        self.depth += 1
        if self.depth > MAX_EXPRESSION_DEPTH:
            raise ExpressionError(f"nested deeper than {MAX_EXPRESSION_DEPTH} levels", token.pos)

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def accept(self, text: str) -> Token | None:
        token = self.current
        if token.kind in ("op", "keyword") and token.text == text:
            self.index += 1
            return token
        return None

    def expect(self, text: str, context: str) -> Token:
        token = self.accept(text)
        if token is None:
            found = self.current.text or "end of expression"
            raise ExpressionError(f"expected '{text}' {context}, found '{found}'", self.current.pos)
        return token

    def parse(self) -> Node:
        node = self.parse_expr()
        if self.current.kind != "end":
            token = self.current
            hint = ""
            if token.kind in ("name", "string", "number"):
                hint = " (missing 'and'/'or' or an operator?)"
            raise ExpressionError(f"unexpected '{token.text}'{hint}", token.pos)
        return node

    def parse_expr(self) -> Node:
        """An expression, possibly ``if … then … else …`` (which binds loosest)."""
        token = self.accept("if")
        if token is None:
            return self.parse_or()
        self.nest(token)
        test = self.parse_expr()
        self.expect("then", "after the test of 'if'")
        then = self.parse_expr()
        self.expect("else", "after 'if … then …' (every 'if' needs an 'else')")
        node = IfThen(token.pos, test, then, self.parse_expr())
        self.depth -= 1
        return node

    def parse_or(self) -> Node:
        first = self.parse_and()
        operands = [first]
        while self.accept("or"):
            operands.append(self.parse_and())
        return first if len(operands) == 1 else BoolOp(first.pos, "or", tuple(operands))

    def parse_and(self) -> Node:
        first = self.parse_not()
        operands = [first]
        while self.accept("and"):
            operands.append(self.parse_not())
        return first if len(operands) == 1 else BoolOp(first.pos, "and", tuple(operands))

    def parse_not(self) -> Node:
        token = self.accept("not")
        if token is not None:
            self.nest(token)
            node = Unary(token.pos, "not", self.parse_not())
            self.depth -= 1
            return node
        return self.parse_compare()

    def parse_compare(self) -> Node:
        left = self.parse_sum()
        token = self.current
        if token.kind == "op" and token.text in _COMPARISONS:
            self.advance()
            return Compare(token.pos, token.text, left, self.parse_sum())
        if self.accept("in"):
            return Compare(token.pos, "in", left, self.parse_sum())
        if token.kind == "keyword" and token.text == "not":
            following = self.tokens[self.index + 1]
            if following.kind == "keyword" and following.text == "in":
                self.index += 2
                return Compare(token.pos, "not in", left, self.parse_sum())
        if self.accept("is"):
            negated = self.accept("not") is not None
            null = self.expect("null", "after 'is'")
            return Compare(token.pos, "!=" if negated else "==", left, Literal(null.pos, None))
        return left

    def parse_sum(self) -> Node:
        node = self.parse_product()
        depth = self.depth
        while self.current.kind == "op" and self.current.text in ("+", "-"):
            op = self.advance()
            self.nest(op)  # a chain of operators is a tree as deep as it is long
            node = Arith(op.pos, op.text, node, self.parse_product())
        self.depth = depth
        return node

    def parse_product(self) -> Node:
        node = self.parse_unary()
        depth = self.depth
        while self.current.kind == "op" and self.current.text in ("*", "/"):
            op = self.advance()
            self.nest(op)
            node = Arith(op.pos, op.text, node, self.parse_unary())
        self.depth = depth
        return node

    def parse_unary(self) -> Node:
        token = self.accept("-")
        if token is not None:
            self.nest(token)
            operand = self.parse_unary()
            self.depth -= 1
            if isinstance(operand, Literal) and isinstance(operand.value, int | float):
                return Literal(token.pos, -operand.value)
            return Unary(token.pos, "-", operand)
        return self.parse_atom()

    def parse_atom(self) -> Node:
        token = self.advance()
        if token.kind == "number":
            if len(token.text) > MAX_NUMBER_CHARS:
                raise ExpressionError(
                    f"a number of {len(token.text):,} digits; at most {MAX_NUMBER_CHARS}",
                    token.pos,
                )
            value: int | float = float(token.text) if "." in token.text else int(token.text)
            return Literal(token.pos, value)
        if token.kind == "string":
            return Literal(token.pos, _unquote(token.text))
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            return Literal(token.pos, {"true": True, "false": False, "null": None}[token.text])
        if token.kind == "name":
            if self.accept("("):
                self.nest(token)
                call = Call(token.pos, token.text, self.parse_args())
                self.depth -= 1
                return call
            return Name(token.pos, token.text)
        if token.kind == "op" and token.text == "(":
            self.nest(token)
            node = self.parse_expr()
            self.expect(")", "to close '('")
            self.depth -= 1
            return node
        if token.kind == "op" and token.text == "[":
            self.nest(token)
            items = ListExpr(token.pos, self.parse_items("]", "to close the list"))
            self.depth -= 1
            return items
        found = token.text or "end of expression"
        if token.kind == "keyword" and token.text == "if":
            raise ExpressionError(
                "put 'if … then … else …' in parentheses when it is part of a larger "
                "expression: 1 + (if a then 2 else 3)",
                token.pos,
            )
        raise ExpressionError(f"expected a value, found '{found}'", token.pos)

    def parse_items(self, closer: str, context: str) -> tuple[Node, ...]:
        items: list[Node] = []
        if self.accept(closer):
            return ()
        while True:
            items.append(self.parse_expr())
            if self.accept(closer):
                return tuple(items)
            self.expect(",", f"or '{closer}' {context}")

    def parse_args(self) -> tuple[Node, ...]:
        """Call arguments; each may be a filtered list (``claims where claim_date <= d``)."""
        args: list[Node] = []
        if self.accept(")"):
            return ()
        while True:
            arg = self.parse_expr()
            where = self.accept("where")
            if where is not None:
                arg = Filter(where.pos, arg, self.parse_expr())
            args.append(arg)
            if self.accept(")"):
                return tuple(args)
            self.expect(",", "or ')' to close the call")


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", lambda m: m.group(1), body)
