"""Causal graphs from edge lists, dicts, networkx, DOT or GML, and DAG helpers.

Pure Python: networkx is imported only to read GML text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pytest_fairness._optional import import_optional
from pytest_fairness._validation import fail

__all__ = [
    "Edges",
    "all_paths",
    "ancestors",
    "descendants",
    "find_cycle",
    "parse_graph",
    "topological_order",
]

Edges = tuple[tuple[str, str], ...]

_DOT_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/|^\s*#[^\n]*", re.DOTALL | re.MULTILINE)
_DOT_ATTRS = re.compile(r"\[[^\]]*\]")
_DOT_BODY = re.compile(r"\{(.*)\}", re.DOTALL)
_DOT_KEYWORDS = {"graph", "node", "edge", "digraph", "strict", "subgraph"}


def _name(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] == '"':
        return token[1:-1].replace('\\"', '"')
    return token


def _parse_dot(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    body_match = _DOT_BODY.search(_DOT_COMMENT.sub("", text))
    if body_match is None:
        msg = "graph looks like DOT but has no '{ ... }' body."
        raise fail(msg)
    body = _DOT_ATTRS.sub("", body_match.group(1)).replace("{", "\n")
    body = body.replace("}", "\n")
    if "--" in body and "->" not in body:
        msg = "graph must be directed: a DOT 'digraph' with '->' edges. Got '--'."
        raise fail(msg)
    nodes: list[str] = []
    edges: list[tuple[str, str]] = []
    for statement in re.split(r"[;\n]", body):
        statement = statement.strip()
        if not statement or ("=" in statement and "->" not in statement):
            continue
        parts = [_name(p) for p in statement.split("->")]
        if any(not p for p in parts):
            msg = f"cannot read the DOT statement {statement!r}."
            raise fail(msg)
        if len(parts) == 1:
            if parts[0].split()[0] not in _DOT_KEYWORDS:
                nodes.append(parts[0])
            continue
        edges.extend(itertools.pairwise(parts))
    return nodes, edges


def _parse_gml(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    nx = import_optional("networkx", extra="causal", purpose="reading a GML graph")
    try:
        graph = nx.parse_gml(text, label="label")
    except Exception as exc:  # networkx raises several types for bad GML
        msg = f"cannot read the GML graph: {exc}"
        raise fail(msg) from None
    if not graph.is_directed():
        msg = "graph must be directed: add 'directed 1' to the GML graph."
        raise fail(msg)
    return [str(n) for n in graph.nodes], [(str(a), str(b)) for a, b in graph.edges]


def parse_graph(graph: Any) -> tuple[list[str], list[tuple[str, str]]]:
    """Read a causal graph given in any supported form.

    Parameters
    ----------
    graph : networkx.DiGraph, str, mapping or iterable of pairs
        A networkx directed graph; DOT text (``"digraph { a -> b; }"``); GML
        text (``"graph [ directed 1 ... ]"``); a mapping from each node to its
        children; or ``(cause, effect)`` pairs.

    Returns
    -------
    nodes : list of str
        Every node, including isolated ones.
    edges : list of (str, str)
        The directed edges.

    Raises
    ------
    FairnessValueError
        For an undirected graph or text that cannot be read.
    """
    if hasattr(graph, "is_directed") and hasattr(graph, "edges"):
        if not graph.is_directed():
            msg = "graph must be a directed graph (networkx.DiGraph). Got undirected."
            raise fail(msg)
        return [str(n) for n in graph.nodes], [(str(a), str(b)) for a, b in graph.edges]
    if isinstance(graph, str):
        text = _DOT_COMMENT.sub("", graph).strip()
        if re.match(r"^(strict\s+)?(di)?graph\b[^\[]*\{", text, re.IGNORECASE):
            return _parse_dot(text)
        if re.match(r"^graph\s*\[", text, re.IGNORECASE):
            return _parse_gml(text)
        msg = (
            "graph text must be DOT ('digraph { a -> b; }') or GML "
            f"('graph [ directed 1 ... ]'). Got {text[:40]!r}."
        )
        raise fail(msg)
    if isinstance(graph, Mapping):
        nodes = [str(k) for k in graph]
        edges: list[tuple[str, str]] = []
        for parent, children in graph.items():
            if isinstance(children, str):
                children = [children]
            edges.extend((str(parent), str(c)) for c in children)
        return nodes, edges
    if isinstance(graph, Iterable):
        return [], check_pairs(graph, "graph")
    msg = (
        "graph must be a networkx.DiGraph, DOT or GML text, a dict of children "
        f"or a list of (cause, effect) pairs. Got {type(graph).__name__}."
    )
    raise fail(msg)


def check_pairs(pairs: Iterable[Any], argname: str) -> list[tuple[str, str]]:
    """Return ``(cause, effect)`` pairs as strings, or raise naming ``argname``.

    Parameters
    ----------
    pairs : iterable
        The candidate pairs.
    argname : str
        Argument name used in the error message.

    Returns
    -------
    list of (str, str)
        The pairs.

    Raises
    ------
    FairnessValueError
        If an element is not a pair.
    """
    out = []
    for pair in pairs:
        if (
            isinstance(pair, str)
            or not isinstance(pair, tuple | list)
            or len(pair) != 2
        ):
            msg = f"{argname} must hold (cause, effect) pairs. Got {pair!r}."
            raise fail(msg)
        out.append((str(pair[0]), str(pair[1])))
    return out


def _children(nodes: Iterable[str], edges: Edges) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        out.setdefault(a, []).append(b)
        out.setdefault(b, [])
    return out


def find_cycle(nodes: Iterable[str], edges: Edges) -> list[str] | None:
    """Return one directed cycle as a list of nodes (first repeated last), or None."""
    children = _children(nodes, edges)
    colour = dict.fromkeys(children, 0)  # 0 new, 1 on the stack, 2 done
    for start in children:
        if colour[start]:
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path = [start]
        colour[start] = 1
        while stack:
            node, i = stack[-1]
            if i < len(children[node]):
                stack[-1] = (node, i + 1)
                child = children[node][i]
                if colour[child] == 1:
                    return [*path[path.index(child) :], child]
                if colour[child] == 0:
                    colour[child] = 1
                    stack.append((child, 0))
                    path.append(child)
            else:
                colour[node] = 2
                stack.pop()
                path.pop()
    return None


def topological_order(nodes: Iterable[str], edges: Edges) -> list[str]:
    """Return the nodes of a DAG, every cause before its effects (stable order)."""
    children = _children(nodes, edges)
    indegree = dict.fromkeys(children, 0)
    for _, b in edges:
        indegree[b] += 1
    ready = [n for n in children if indegree[n] == 0]
    order = []
    while ready:
        node = ready.pop(0)
        order.append(node)
        for child in children[node]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    return order


def descendants(node: str, edges: Edges) -> set[str]:
    """Return every node reachable from ``node`` (not including it)."""
    children = _children([node], edges)
    seen: set[str] = set()
    todo = list(children.get(node, []))
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(children.get(n, []))
    return seen


def ancestors(node: str, edges: Edges) -> set[str]:
    """Return every node from which ``node`` is reachable (not including it)."""
    return descendants(node, tuple((b, a) for a, b in edges))


def all_paths(
    source: str, target: str, edges: Edges, *, limit: int = 10_000
) -> list[tuple[str, ...]]:
    """Return every directed path from ``source`` to ``target`` in a DAG.

    Parameters
    ----------
    source, target : str
        End points.
    edges : tuple of (str, str)
        The DAG's edges.
    limit : int, default=10_000
        Raise when there are more paths than this.

    Returns
    -------
    list of tuple of str
        Each path as its sequence of nodes, shortest first, then in edge order.

    Raises
    ------
    FairnessValueError
        When the graph has more than ``limit`` such paths.
    """
    children = _children([source, target], edges)
    reach = ancestors(target, edges) | {target}
    paths: list[tuple[str, ...]] = []
    stack: list[tuple[str, ...]] = [(source,)]
    while stack:
        path = stack.pop()
        last = path[-1]
        if last == target:
            paths.append(path)
            if len(paths) > limit:
                msg = (
                    f"more than {limit} causal paths lead from {source!r} to "
                    f"{target!r}: declare a coarser graph."
                )
                raise fail(msg)
            continue
        stack.extend(
            (*path, child) for child in reversed(children[last]) if child in reach
        )
    order = {p: i for i, p in enumerate(paths)}
    return sorted(paths, key=lambda p: (len(p), order[p]))
