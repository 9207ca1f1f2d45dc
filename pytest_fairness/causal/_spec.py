"""CausalSpec: the variable map of a dataset, its causal graph and its pathways."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pytest_fairness._inputs import column_names
from pytest_fairness._optional import import_optional
from pytest_fairness._validation import fail, hint_for
from pytest_fairness.causal._graph import (
    Edges,
    all_paths,
    ancestors,
    check_pairs,
    descendants,
    find_cycle,
    parse_graph,
    topological_order,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    import pandas as pd

__all__ = [
    "ROLES",
    "CausalSpec",
    "Pathway",
    "PathwayKind",
    "Role",
    "as_frame",
    "as_spec",
]

Role = Literal["protected", "mediator", "proxy", "legitimate", "outcome", "other"]
PathwayKind = Literal["direct", "mediator", "proxy"]

#: The roles a variable can have, in the order they are reported.
ROLES: tuple[Role, ...] = (
    "protected",
    "mediator",
    "proxy",
    "legitimate",
    "outcome",
    "other",
)


@dataclass(frozen=True, slots=True)
class Pathway:
    """One directed path from a protected attribute to the outcome.

    Attributes
    ----------
    nodes : tuple of str
        The variables along the path, protected attribute first, outcome last.
    kind : {"direct", "mediator", "proxy"}
        ``direct`` for the edge from the attribute to the outcome, ``proxy``
        when the path passes through a declared proxy, ``mediator``
        otherwise (through mediators, legitimate predictors or variables
        without a role).
    fair : bool
        True when the path passes through a variable the spec declares fair
        (a fair mediator or a legitimate predictor).
    """

    nodes: tuple[str, ...]
    kind: PathwayKind
    fair: bool

    @property
    def protected(self) -> str:
        """The protected attribute the path starts from."""
        return self.nodes[0]

    @property
    def outcome(self) -> str:
        """The outcome the path ends at."""
        return self.nodes[-1]

    @property
    def through(self) -> tuple[str, ...]:
        """The intermediate variables (empty for the direct path)."""
        return self.nodes[1:-1]

    @property
    def label(self) -> str:
        """The path written as ``"gender -> income -> approved"``."""
        return " -> ".join(self.nodes)

    def __str__(self) -> str:
        return self.label

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            ``pathway``, ``nodes``, ``kind`` and ``fair``.
        """
        return {
            "pathway": self.label,
            "nodes": list(self.nodes),
            "kind": self.kind,
            "fair": self.fair,
        }


def _names(value: Any, argname: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    for item in items:
        if not isinstance(item, str) or not item:
            msg = f"{argname} must be a column name or a list of names. Got {item!r}."
            raise fail(msg)
    return tuple(dict.fromkeys(items))


def _outcome_name(value: object) -> str:
    if not isinstance(value, str) or not value:
        msg = f"outcome must be a column name. Got {value!r}."
        raise fail(msg)
    return value


def as_spec(value: object) -> CausalSpec:
    """Return ``value`` if it is a :class:`CausalSpec`, else raise.

    Parameters
    ----------
    value : object
        The ``spec`` argument.

    Returns
    -------
    CausalSpec
        The spec.

    Raises
    ------
    FairnessValueError
        Naming the type received.
    """
    if not isinstance(value, CausalSpec):
        msg = (
            f"spec must be a CausalSpec. Got {type(value).__name__}; build one "
            "with CausalSpec(protected=..., outcome=..., ...)."
        )
        raise fail(msg)
    return value


def as_frame(value: object, argname: str = "data") -> pd.DataFrame:
    """Return ``value`` if it is a pandas DataFrame, else raise.

    Parameters
    ----------
    value : object
        The argument.
    argname : str, default="data"
        Its name, for the message.

    Returns
    -------
    pandas.DataFrame
        The frame.

    Raises
    ------
    FairnessValueError
        Naming the type received.
    """
    import pandas as pd  # noqa: PLC0415 - the spec itself needs no pandas

    if not isinstance(value, pd.DataFrame):
        msg = f"{argname} must be a pandas DataFrame. Got {type(value).__name__}."
        raise fail(msg)
    return value


@dataclass(frozen=True, slots=True, init=False)
class CausalSpec:
    """The causal variable map of a dataset: roles, graph and pathways.

    Declare which columns are protected attributes, mediators, proxies and
    legitimate predictors, and which is the outcome. Without ``graph`` the
    spec builds the simplest graph those roles imply (each protected
    attribute causes every mediator, every proxy and the outcome; every
    mediator, proxy and legitimate predictor causes the outcome), and
    ``edges`` adds the links among them. With ``graph`` the given graph is
    used as is (plus ``edges``) and the roles label its nodes.

    Parameters
    ----------
    protected : str or list of str
        The protected attribute(s), e.g. ``"gender"``.
    outcome : str
        The decision or label, e.g. ``"approved"``.
    mediators : str or list of str, optional
        Variables through which a protected attribute acts on the outcome
        (income, employment gaps).
    proxies : str or list of str, optional
        Variables that stand in for a protected attribute (an industry
        strongly segregated by gender, a postcode).
    legitimate : str or list of str, optional
        Predictors the decision may use (credit score, debt-to-income).
        Paths through them are fair.
    fair_mediators : str or list of str, optional
        Mediators whose use is accepted, e.g. a qualification. Paths through
        them are fair; the other mediators carry unfair paths.
    edges : list of (cause, effect), optional
        Extra edges.
    graph : networkx.DiGraph, str, dict or list of pairs, optional
        The whole causal graph: a networkx graph, DOT or GML text, a dict
        from each variable to its children, or (cause, effect) pairs.

    Attributes
    ----------
    protected, mediators, proxies, legitimate, fair_mediators : tuple of str
        The roles.
    outcome : str
        The outcome.
    nodes : tuple of str
        Every variable, causes before effects.
    edges : tuple of (str, str)
        Every edge of the graph.

    Raises
    ------
    FairnessValueError
        For a cycle (the message shows it), a name given two roles, a fair
        mediator that is not a mediator, a role naming a variable absent from
        ``graph``, or a malformed graph or edge.

    See Also
    --------
    CausalSpec.from_roles : Build a spec from a ``{column: role}`` mapping.
    pathway_report : The pathways with their estimated effects.

    Notes
    -----
    A pathway is fair when it passes through a fair variable (a fair mediator
    or a legitimate predictor): the attribute's influence is accepted once it
    is expressed in such a variable (the "resolving variables" of Kilbertus
    et al., 2017). The direct path is always unfair. Path-specific
    counterfactuals (:func:`counterfactual_fairness` with ``paths="unfair"``)
    follow the same rule by holding fair variables at their factual values.

    Examples
    --------
    >>> from pytest_fairness.causal import CausalSpec
    >>> spec = CausalSpec(
    ...     protected="gender",
    ...     mediators=["income"],
    ...     proxies=["industry"],
    ...     legitimate=["credit_score"],
    ...     outcome="approved",
    ...     edges=[("industry", "income")],
    ... )
    >>> for p in spec.pathways():
    ...     print(p.label, p.kind, "fair" if p.fair else "unfair")
    gender -> approved direct unfair
    gender -> income -> approved mediator unfair
    gender -> industry -> approved proxy unfair
    gender -> industry -> income -> approved proxy unfair
    """

    protected: tuple[str, ...]
    outcome: str
    mediators: tuple[str, ...]
    proxies: tuple[str, ...]
    legitimate: tuple[str, ...]
    fair_mediators: tuple[str, ...]
    nodes: tuple[str, ...]
    edges: Edges

    def __init__(
        self,
        *,
        protected: str | Iterable[str],
        outcome: str,
        mediators: str | Iterable[str] = (),
        proxies: str | Iterable[str] = (),
        legitimate: str | Iterable[str] = (),
        fair_mediators: str | Iterable[str] = (),
        edges: Iterable[tuple[str, str]] = (),
        graph: Any = None,
    ) -> None:
        prot = _names(protected, "protected")
        if not prot:
            msg = "protected must name at least one protected attribute. Got none."
            raise fail(msg)
        outcome = _outcome_name(outcome)
        roles = {
            "protected": prot,
            "outcome": (outcome,),
            "mediators": _names(mediators, "mediators"),
            "proxies": _names(proxies, "proxies"),
            "legitimate": _names(legitimate, "legitimate"),
        }
        seen: dict[str, str] = {}
        for role, names in roles.items():
            for name in names:
                if name in seen:
                    msg = (
                        f"{name!r} is given two roles: {seen[name]} and {role}. "
                        "Each variable has one role."
                    )
                    raise fail(msg)
                seen[name] = role
        fair = _names(fair_mediators, "fair_mediators")
        for name in fair:
            if name not in roles["mediators"]:
                msg = (
                    f"fair_mediators names {name!r}, which is not a mediator. "
                    f"Mediators: {list(roles['mediators'])!r}."
                )
                raise fail(msg)
        extra = check_pairs(edges, "edges")
        if graph is None:
            nodes = list(seen)
            built = [(p, m) for p in prot for m in roles["mediators"]]
            built += [(p, x) for p in prot for x in roles["proxies"]]
            built += [(p, outcome) for p in prot]
            built += [
                (v, outcome)
                for v in (*roles["mediators"], *roles["proxies"], *roles["legitimate"])
            ]
        else:
            nodes, built = parse_graph(graph)
            present = set(nodes) | {n for e in built for n in e}
            for name, role in seen.items():
                if name not in present:
                    msg = (
                        f"{role} names {name!r}, which is not a node of graph."
                        f"{hint_for(name, present)}"
                    )
                    raise fail(msg)
        all_edges = tuple(dict.fromkeys([*built, *extra]))
        all_nodes = list(
            dict.fromkeys([*nodes, *seen, *(n for e in all_edges for n in e)])
        )
        cycle = find_cycle(all_nodes, all_edges)
        if cycle is not None:
            msg = (
                f"the causal graph has a cycle: {' -> '.join(cycle)}. "
                "A causal graph must be acyclic."
            )
            raise fail(msg)
        set_ = object.__setattr__
        set_(self, "protected", prot)
        set_(self, "outcome", outcome)
        set_(self, "mediators", roles["mediators"])
        set_(self, "proxies", roles["proxies"])
        set_(self, "legitimate", roles["legitimate"])
        set_(self, "fair_mediators", fair)
        set_(self, "nodes", tuple(topological_order(all_nodes, all_edges)))
        set_(self, "edges", all_edges)

    @classmethod
    def from_roles(
        cls,
        roles: Mapping[str, str],
        *,
        graph: Any = None,
        edges: Iterable[tuple[str, str]] = (),
        fair_mediators: str | Iterable[str] = (),
    ) -> CausalSpec:
        """Build a spec from a ``{column: role}`` mapping.

        Parameters
        ----------
        roles : mapping of str to str
            Each variable's role: ``"protected"``, ``"mediator"``, ``"proxy"``,
            ``"legitimate"`` or ``"outcome"`` (exactly one), or ``"other"``.
        graph : optional
            The causal graph, in any form :class:`CausalSpec` accepts.
        edges : list of (cause, effect), optional
            Extra edges.
        fair_mediators : str or list of str, optional
            Mediators declared fair.

        Returns
        -------
        CausalSpec
            The spec.

        Raises
        ------
        FairnessValueError
            For an unknown role or not exactly one outcome.

        Examples
        --------
        >>> from pytest_fairness.causal import CausalSpec
        >>> from pytest_fairness.datasets import LOAN_DAG_EDGES, LOAN_VARIABLE_ROLES
        >>> spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)
        >>> spec.outcome, spec.proxies
        ('approved', ('industry',))
        """
        grouped: dict[str, list[str]] = {r: [] for r in ROLES}
        for name, role in roles.items():
            if role not in grouped:
                msg = (
                    f"the role of {name!r} must be one of {list(ROLES)!r}. "
                    f"Got {role!r}.{hint_for(str(role), ROLES)}"
                )
                raise fail(msg)
            grouped[role].append(str(name))
        if len(grouped["outcome"]) != 1:
            msg = (
                "roles must name exactly one outcome. "
                f"Got {grouped['outcome'] or 'none'}."
            )
            raise fail(msg)
        return cls(
            protected=grouped["protected"],
            outcome=grouped["outcome"][0],
            mediators=grouped["mediator"],
            proxies=grouped["proxy"],
            legitimate=grouped["legitimate"],
            fair_mediators=fair_mediators,
            edges=edges,
            graph=graph,
        )

    @property
    def fair_variables(self) -> frozenset[str]:
        """Variables whose paths are fair: fair mediators and legitimate predictors."""
        return frozenset((*self.fair_mediators, *self.legitimate))

    def role(self, name: str) -> Role:
        """Return the role of a variable.

        Parameters
        ----------
        name : str
            A node of the graph.

        Returns
        -------
        {"protected", "mediator", "proxy", "legitimate", "outcome", "other"}
            Its role (``other`` for nodes without one).

        Raises
        ------
        FairnessValueError
            If ``name`` is not a node of the graph.
        """
        self._check_node(name, "name")
        if name in self.protected:
            return "protected"
        if name == self.outcome:
            return "outcome"
        if name in self.mediators:
            return "mediator"
        if name in self.proxies:
            return "proxy"
        if name in self.legitimate:
            return "legitimate"
        return "other"

    def _check_node(self, name: str, argname: str) -> None:
        if name not in self.nodes:
            msg = (
                f"{argname}={name!r} is not a variable of the causal graph."
                f"{hint_for(str(name), self.nodes)}"
            )
            raise fail(msg)

    def parents(self, name: str) -> tuple[str, ...]:
        """Return the direct causes of a variable, in graph order.

        Parameters
        ----------
        name : str
            A node of the graph.

        Returns
        -------
        tuple of str
            Its parents.
        """
        self._check_node(name, "name")
        found = {a for a, b in self.edges if b == name}
        return tuple(n for n in self.nodes if n in found)

    def descendants(self, name: str) -> frozenset[str]:
        """Return every variable ``name`` causes, directly or not.

        Parameters
        ----------
        name : str
            A node of the graph.

        Returns
        -------
        frozenset of str
            Its descendants (not including itself).
        """
        self._check_node(name, "name")
        return frozenset(descendants(name, self.edges))

    def ancestors(self, name: str) -> frozenset[str]:
        """Return every variable that causes ``name``, directly or not.

        Parameters
        ----------
        name : str
            A node of the graph.

        Returns
        -------
        frozenset of str
            Its ancestors (not including itself).
        """
        self._check_node(name, "name")
        return frozenset(ancestors(name, self.edges))

    def resolve_protected(self, protected: str | None) -> str:
        """Return the protected attribute to analyse (the first by default).

        Parameters
        ----------
        protected : str or None
            One of the spec's protected attributes.

        Returns
        -------
        str
            The attribute.

        Raises
        ------
        FairnessValueError
            If ``protected`` is not a protected attribute of the spec.
        """
        if protected is None:
            return self.protected[0]
        if protected not in self.protected:
            msg = (
                f"protected={protected!r} is not a protected attribute of the spec "
                f"{list(self.protected)!r}.{hint_for(str(protected), self.protected)}"
            )
            raise fail(msg)
        return protected

    def pathways(self, protected: str | None = None) -> tuple[Pathway, ...]:
        """Enumerate and classify the paths from protected attributes to the outcome.

        Parameters
        ----------
        protected : str, optional
            Only the paths from this attribute; all attributes by default.

        Returns
        -------
        tuple of Pathway
            Per attribute, the direct path first, then by length.

        Raises
        ------
        FairnessValueError
            If ``protected`` is not a protected attribute of the spec.
        """
        sources = (
            self.protected
            if protected is None
            else (self.resolve_protected(protected),)
        )
        fair = self.fair_variables
        out = []
        for source in sources:
            for nodes in all_paths(source, self.outcome, self.edges):
                through = nodes[1:-1]
                kind: PathwayKind
                if not through:
                    kind = "direct"
                elif any(n in self.proxies for n in through):
                    kind = "proxy"
                else:
                    kind = "mediator"
                out.append(Pathway(nodes, kind, any(n in fair for n in through)))
        return tuple(out)

    def pathway_table(self, protected: str | None = None) -> pd.DataFrame:
        """Return the pathways as a table.

        Parameters
        ----------
        protected : str, optional
            Only the paths from this attribute.

        Returns
        -------
        pandas.DataFrame
            Columns ``pathway``, ``protected``, ``kind``, ``fair``, ``through``.
        """
        import pandas as pd  # noqa: PLC0415 - the spec itself needs no pandas

        rows = [
            {
                "pathway": p.label,
                "protected": p.protected,
                "kind": p.kind,
                "fair": p.fair,
                "through": ", ".join(p.through),
            }
            for p in self.pathways(protected)
        ]
        columns = ["pathway", "protected", "kind", "fair", "through"]
        return pd.DataFrame(rows, columns=columns)

    def check_columns(self, data: Any, *, argname: str = "data") -> None:
        """Raise unless every variable of the graph is a column of ``data``.

        Parameters
        ----------
        data : DataFrame
            The data the spec describes.
        argname : str, default="data"
            Argument name used in the error message.

        Raises
        ------
        FairnessValueError
            Naming the missing variables and the closest column names.
        """
        columns = column_names(data)
        missing = [n for n in self.nodes if n not in columns]
        if missing:
            msg = (
                f"{argname} has no column(s) {missing!r} of the causal spec."
                f"{hint_for(missing[0], columns)} Columns: {list(columns)[:20]!r}."
            )
            raise fail(msg)

    def to_dot(self) -> str:
        """Render the graph as DOT text (roles as node shapes).

        Returns
        -------
        str
            A ``digraph`` readable by Graphviz and by :class:`CausalSpec`.
        """
        shapes = {
            "protected": "doubleoctagon",
            "mediator": "ellipse",
            "proxy": "diamond",
            "legitimate": "box",
            "outcome": "doublecircle",
            "other": "plaintext",
        }
        lines = ["digraph {"]
        lines += [f'  "{n}" [shape={shapes[self.role(n)]}];' for n in self.nodes]
        lines += [f'  "{a}" -> "{b}";' for a, b in self.edges]
        lines.append("}")
        return "\n".join(lines)

    def to_networkx(self) -> Any:
        """Return the graph as a ``networkx.DiGraph`` with a ``role`` node attribute.

        Returns
        -------
        networkx.DiGraph
            The causal graph.
        """
        nx = import_optional("networkx", extra="causal", purpose="to_networkx()")
        graph = nx.DiGraph()
        graph.add_nodes_from((n, {"role": self.role(n)}) for n in self.nodes)
        graph.add_edges_from(self.edges)
        return graph

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-friendly dict.

        Returns
        -------
        dict
            The roles, the nodes and the edges.
        """
        return {
            "protected": list(self.protected),
            "outcome": self.outcome,
            "mediators": list(self.mediators),
            "proxies": list(self.proxies),
            "legitimate": list(self.legitimate),
            "fair_mediators": list(self.fair_mediators),
            "nodes": list(self.nodes),
            "edges": [list(e) for e in self.edges],
        }
