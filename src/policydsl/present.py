"""Terminal presentation of results and explanations with rich (tables, trees, colour on a tty)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from policydsl.api import PolicySet
from policydsl.result import MeasureResult, Node, Result, show_points

STATUS_STYLE = {
    "eligible": "bold green",
    "not_eligible": "red",
    "undetermined": "yellow",
    "not_in_force": "dim",
    "not_applicable": "dim",
}
VALUE_MARK = {"true": "[green]✓[/]", "false": "[red]✗[/]", "unknown": "[yellow]?[/]"}


def _console() -> Console:
    # Wide enough for Chinese titles when piped; soft wrapping keeps long quotes readable.
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(highlight=False, soft_wrap=False, width=160)  # files and pipes: no 80-column wrap
    return console


def _out_of_force_banner(console: Console, result: Result, policies: PolicySet) -> None:
    if result.in_force:
        return
    window = policies.policy.header.window
    console.print(f"[bold yellow]The policy {escape(result.policy)} is not in force on {result.as_of}[/] "
                  f"(valid {escape(window.describe())}).")
    if window.end.kind == "date" and window.end.date:
        console.print(f"[yellow]Use --as-of with a day inside the window, e.g. --as-of {window.end.date}.[/]\n")


def print_result(policies: PolicySet, result: Result) -> None:
    console = _console()
    _out_of_force_banner(console, result, policies)
    for warning in result.warnings:
        if result.in_force or "not in force" not in warning:
            console.print(f"[yellow]warning:[/] {escape(warning)}")
    header = policies.policy.header
    console.print(f"[bold]{escape(header.title or header.id)}[/]")
    console.print(f"{escape(header.id)} · as of {result.as_of}\n")
    table = Table(show_lines=False, header_style="bold")
    table.add_column("measure")
    table.add_column("title", overflow="fold", max_width=36)
    table.add_column("status")
    table.add_column("total", justify="right")
    table.add_column("agencies", overflow="fold", max_width=30)
    table.add_column("unknowns", overflow="fold", max_width=28)
    # Scores and versions only where the policy has them: other tables stay as they were.
    scored = any(measure.score is not None for measure in result.measures)
    versioned = any(measure.versioned for measure in result.measures)
    if scored:
        table.add_column("score", justify="right")
    if versioned:
        table.add_column("version")
    for measure in result.measures:
        style = STATUS_STYLE.get(measure.status, "")
        total = str(measure.total) if measure.total is not None else _bound(measure)
        extra = [show_points(measure.score.total) if measure.score is not None else ""] if scored else []
        extra += [measure.version or ""] if versioned else []
        table.add_row(measure.id, escape(measure.title), f"[{style}]{measure.status}[/]", total,
                      escape("、".join(measure.agencies)), escape(", ".join(measure.unknowns)), *extra)
    console.print(table)
    counts: dict[str, int] = {}
    for measure in result.measures:
        counts[measure.status] = counts.get(measure.status, 0) + 1
    console.print(", ".join(f"{n} {status}" for status, n in counts.items()))
    console.print("explain one measure with: policydsl explain PATH PROFILE MEASURE")


def _bound(measure: MeasureResult) -> str:
    return f"≤ {measure.at_most}" if measure.at_most is not None else ""


def _node_label(node: Node) -> str:
    value = node.value or ""
    head = value.split(",")[0]
    mark = VALUE_MARK.get(head, "")
    if head in STATUS_STYLE:
        mark = f"[{STATUS_STYLE[head]}]{escape(value)}[/]"
        return f"[bold]{escape(node.label)}[/] — {mark}"
    shown = f" = [bold]{escape(value)}[/]" if value else ""
    return f"{mark} {escape(node.label)}{shown}".strip()


def _add(tree: Tree, node: Node) -> None:
    if node.text:
        tree.add(f"[dim]where[/] [cyan]{escape(node.text)}[/]")
    for read in node.reads:
        label = f" ({escape(read.label)})" if read.label else ""
        note = f" [dim]\\[{escape(read.note)}][/]" if read.note else ""
        tree.add(f"[dim]·[/] {escape(read.path)}{label} = [bold]{escape(read.value)}[/]{note}")
    if node.note:
        tree.add(f"[dim]note: {escape(node.note)}[/]")
    for quote in node.quotes:
        tree.add(f"[italic]「{escape(quote)}」[/]")
    for child in node.children:
        _add(tree.add(_node_label(child)), child)


def print_explanation(result: Result, measure: MeasureResult) -> None:
    console = _console()
    if not result.in_force:
        console.print(f"[bold yellow]The policy is not in force on {result.as_of}; use --as-of.[/]\n")
    node = measure.explanation
    tree = Tree(_node_label(node))
    _add(tree, node)
    console.print(tree)
