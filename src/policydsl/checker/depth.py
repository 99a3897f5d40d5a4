"""Shape limits the checker enforces without recursion, so that deep input cannot overflow the stack.

- The order definitions are typed in: each after the definitions it names (cycles found here), so
  typing one definition never recurses into another however long a chain of definitions is.
- The depth of every expression once the definitions, conditions and amended values it names are
  written out in place: the evaluators and the SQL compiler walk it that way, recursively, so it is
  held to MAX_EXPANDED_DEPTH, each name counting one (PD233).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterator

from policydsl import model as m
from policydsl.diagnostics import Diagnostic, Span
from policydsl.syntax import ast
from policydsl.syntax.limits import MAX_EXPANDED_DEPTH


def references(expr: ast.Expr, names: Collection[str]) -> list[str]:
    """The names among `names` an expression reads, in order of appearance; loop variables shadow."""
    found: list[str] = []
    stack: list[tuple[ast.Expr, frozenset[str]]] = [(expr, frozenset())]
    while stack:
        node, bound = stack.pop()
        if isinstance(node, ast.Name):
            if node.parts[0] not in bound and node.dotted in names:
                found.append(node.dotted)
        elif isinstance(node, ast.Unary):
            stack.append((node.operand, bound))
        elif isinstance(node, ast.Binary):
            stack.extend(((node.right, bound), (node.left, bound)))
        elif isinstance(node, ast.Call):
            stack.extend((arg, bound) for arg in reversed(node.args))
        elif isinstance(node, ast.SetLit):
            stack.extend((item, bound) for item in reversed(node.items))
        elif isinstance(node, ast.Member):
            stack.extend(((node.options, bound), (node.value, bound)))
        elif isinstance(node, ast.Quantified):
            inner = [(node.where, bound | {node.var})] if node.where is not None else []
            stack.extend(((node.body, bound | {node.var}), *inner, (node.collection, bound)))
        elif isinstance(node, ast.Aggregate):
            if node.default is not None:
                stack.append((node.default, bound))
            stack.extend((part, bound | {node.var}) for part in (node.value, node.where) if part is not None)
            stack.append((node.collection, bound))
        elif isinstance(node, ast.If):
            stack.extend(((node.otherwise, bound), (node.then, bound), (node.condition, bound)))
        elif isinstance(node, ast.Band):
            stack.extend((row.value, bound) for row in reversed(node.rows))
            stack.append((node.subject, bound))
    return found


def definition_order(nodes: dict[str, ast.DefineDecl]) -> tuple[list[str], list[list[str]]]:
    """Definitions in an order that types each after those it reads, and the cycles among them.

    The walk is the one the checker's typing would make (definitions in declaration order, names
    in order of appearance), kept on an explicit stack; a cycle is the path from the definition
    read again to the one reading it, e.g. ["a", "b", "a"], reported once per definition.
    """
    edges = {name: references(node.expr, nodes) for name, node in nodes.items()}
    order: list[str] = []
    cycles: list[list[str]] = []
    done: set[str] = set()
    closed: set[str] = set()  # definitions a cycle was reported at
    for first in nodes:
        if first in done:
            continue
        path = [first]
        on_path = {first}
        pending: list[Iterator[str]] = [iter(edges[first])]
        while pending:
            name = next(pending[-1], None)
            if name is None:
                pending.pop()
                finished = path.pop()
                on_path.discard(finished)
                done.add(finished)
                order.append(finished)
            elif name in on_path:
                if name not in closed:
                    closed.add(name)
                    cycles.append([*path[path.index(name):], name])
            elif name not in done:
                path.append(name)
                on_path.add(name)
                pending.append(iter(edges[name]))
    return order, cycles


# ---- depth with references written out --------------------------------------------------------

Key = Hashable  # ("def", name) | ("param", name) | ("cond", measure, name)


def _reference(expr: m.TExpr) -> Key | None:
    if isinstance(expr, m.DefRef):
        return ("def", expr.name)
    if isinstance(expr, m.ParamRef):
        return ("param", expr.name)
    if isinstance(expr, m.CondRef):
        return ("cond", expr.measure, expr.name)
    return None


def _walk(expr: m.TExpr) -> Iterator[m.TExpr]:
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(m.children(node))


def expression_depth(expr: m.TExpr, named: Callable[[Key], int]) -> int:
    """Operations nested in a typed expression; a reference counts `named(key)`, without recursion."""
    depth: dict[int, int] = {}
    stack: list[tuple[m.TExpr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        parts = m.children(node)
        if expanded or not parts:
            key = _reference(node)
            if key is not None:
                depth[id(node)] = named(key)
            else:
                depth[id(node)] = 1 + max(depth[id(p)] for p in parts) if parts else 0
            continue
        stack.append((node, True))
        stack.extend((part, False) for part in parts)
    return depth[id(expr)]


class DepthChecker:
    """PD233: expressions whose depth, with what they name written out, passes MAX_EXPANDED_DEPTH."""

    def __init__(self, policy: m.Policy) -> None:
        self.policy = policy
        self.roots: dict[Key, list[m.TExpr]] = {}
        for name, definition in policy.definitions.items():
            self.roots[("def", name)] = [definition.expr]
        for measure in policy.all_measures.values():
            for condition in measure.conditions:
                self.roots[("cond", measure.id, condition.name)] = [condition.expr]
        self.amended: dict[Key, list[m.TExpr]] = {}
        for amendment in policy.amendments:
            for target, value in amendment.sets:
                kind = "def" if target in policy.definitions else "param"
                self.amended.setdefault((kind, target), []).extend((amendment.when, value))
        self.depths: dict[Key, int] = {}

    def named(self, key: Key) -> int:
        """The depth a reference stands for: one more than what it names (amendments included)."""
        if key not in self.depths:
            self._resolve(key)
        return self.depths[key]

    def _known(self, key: Key) -> int:
        return self.depths.get(key, 0)

    def _direct(self, key: Key) -> list[Key]:
        found: list[Key] = []
        for root in self.roots.get(key, []) + self.amended.get(key, []):
            found.extend(k for node in _walk(root) if (k := _reference(node)) is not None)
        return found

    def _resolve(self, key: Key) -> None:
        """Depths of `key` and of everything it names, dependencies first, on an explicit stack."""
        visiting: set[Key] = set()
        stack: list[tuple[Key, bool]] = [(key, False)]
        while stack:
            current, ready = stack.pop()
            if current in self.depths:
                continue
            if not ready:
                visiting.add(current)
                stack.append((current, True))
                stack.extend((k, False) for k in self._direct(current)
                             if k not in self.depths and k not in visiting)
                continue
            # Everything named is known by now, but in a cycle (refused as PD207): that part counts 0.
            own = [expression_depth(r, self._known) for r in self.roots.get(current, [])]
            amended = [1 + expression_depth(r, self._known) for r in self.amended.get(current, [])]
            self.depths[current] = 1 + max(own + amended, default=0) if own or amended else 0
            visiting.discard(current)

    def over(self, key: Key) -> bool:
        """Whether what a name stands for is itself deeper than the limit."""
        return self.named(key) - 1 > MAX_EXPANDED_DEPTH

    def problems(self) -> list[Diagnostic]:
        """One diagnostic where the depth first passes the limit, not again at each use after it."""
        problems: list[Diagnostic] = []
        for key in dict.fromkeys([*self.roots, *self.amended]):
            if self.over(key) and not any(self.over(k) for k in self._direct(key)):
                problems.append(self._problem(key, self.named(key) - 1))
        keyed = {id(root) for roots in self.roots.values() for root in roots}
        seen: set[int] = set()
        for root in m.top_level_expressions(self.policy):
            if id(root) in keyed or id(root) in seen:
                continue
            seen.add(id(root))
            depth = expression_depth(root, self.named)
            if depth > MAX_EXPANDED_DEPTH and not any(
                self.over(k) for node in _walk(root) if (k := _reference(node)) is not None
            ):
                problems.append(self._problem(None, depth, root.span))
        return problems

    def _problem(self, key: Key | None, depth: int, span: Span | None = None) -> Diagnostic:
        what = "this expression"
        if isinstance(key, tuple) and key[0] == "def":
            what, span = f"definition '{key[1]}'", self.policy.definitions[key[1]].span
        elif isinstance(key, tuple) and key[0] == "param":
            what, span = f"parameter '{key[1]}' as amended", self.policy.parameters[key[1]].span
        elif isinstance(key, tuple) and key[0] == "cond":
            measure = self.policy.all_measures[key[1]]
            condition = next(c for c in measure.conditions if c.name == key[2])
            what, span = f"condition '{key[2]}' of measure {key[1]}", condition.span
        return Diagnostic(
            "PD233",
            f"{what} nests {depth:,} operations in each other once the definitions it names are "
            f"written out (each name counting one); the limit is {MAX_EXPANDED_DEPTH}",
            span,
            hint="a name of a definition counts one more than the definition's own depth: build a long "
            "sum side by side (`total = a + b + c`) rather than each definition on the previous one",
        )
