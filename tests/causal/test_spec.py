"""CausalSpec builds, validates and classifies the graph it is given."""

from __future__ import annotations

import networkx as nx
import pandas as pd
import pytest

from pytest_fairness.causal import CausalSpec, Pathway
from pytest_fairness.datasets import (
    LOAN_DAG_EDGES,
    LOAN_VARIABLE_ROLES,
    make_loan_applications,
)
from pytest_fairness.exceptions import FairnessValueError


@pytest.fixture
def loan_spec() -> CausalSpec:
    return CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES)


def test_pathways_are_every_directed_path_of_networkx(loan_spec):
    graph = nx.DiGraph(LOAN_DAG_EDGES)
    for attribute in ("gender", "race"):
        expected = {tuple(p) for p in nx.all_simple_paths(graph, attribute, "approved")}
        got = [p.nodes for p in loan_spec.pathways(attribute)]
        assert set(got) == expected
        assert len(got) == len(expected)
        assert [len(p) for p in got] == sorted(len(p) for p in got)


def test_pathway_classification_follows_the_declared_roles(loan_spec):
    for p in loan_spec.pathways():
        through = set(p.through)
        if not through:
            assert p.kind == "direct"
        elif through & {"industry"}:
            assert p.kind == "proxy"
        else:
            assert p.kind == "mediator"
        # fair exactly when a legitimate predictor (debt_to_income) is on it
        assert p.fair == ("debt_to_income" in through)
    direct = loan_spec.pathways("gender")[0]
    assert direct == Pathway(("gender", "approved"), "direct", False)
    assert direct.label == "gender -> approved"
    assert direct.protected == "gender"
    assert direct.outcome == "approved"


def test_a_fair_mediator_makes_its_paths_fair():
    spec = CausalSpec.from_roles(
        LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES, fair_mediators=["income"]
    )
    for p in spec.pathways("gender"):
        assert p.fair == bool({"income", "debt_to_income"} & set(p.through))
    assert spec.fair_variables == {"income", "debt_to_income", "credit_score"}


def test_roles_alone_build_the_star_graph():
    spec = CausalSpec(
        protected=["gender", "race"],
        mediators="income",
        proxies=["industry"],
        legitimate="credit_score",
        outcome="approved",
        edges=[("industry", "income")],
    )
    expected = {
        ("gender", "income"),
        ("race", "income"),
        ("gender", "industry"),
        ("race", "industry"),
        ("gender", "approved"),
        ("race", "approved"),
        ("income", "approved"),
        ("industry", "approved"),
        ("credit_score", "approved"),
        ("industry", "income"),
    }
    assert set(spec.edges) == expected
    order = {n: i for i, n in enumerate(spec.nodes)}
    assert all(order[a] < order[b] for a, b in spec.edges)
    assert spec.role("industry") == "proxy"
    assert spec.parents("income") == ("gender", "race", "industry")


@pytest.mark.parametrize("form", ["edges", "dict", "networkx", "dot", "gml"])
def test_every_graph_form_gives_the_same_graph(loan_spec, form):
    edges = list(LOAN_DAG_EDGES)
    if form == "edges":
        graph = edges
    elif form == "dict":
        graph = {}
        for a, b in edges:
            graph.setdefault(a, []).append(b)
    elif form == "networkx":
        graph = nx.DiGraph(edges)
    elif form == "dot":
        graph = loan_spec.to_dot()
    else:
        graph = "\n".join(nx.generate_gml(nx.DiGraph(edges)))
    spec = CausalSpec.from_roles(LOAN_VARIABLE_ROLES, graph=graph)
    assert set(spec.edges) == set(LOAN_DAG_EDGES)
    assert set(spec.nodes) == set(LOAN_VARIABLE_ROLES)


def test_dot_with_comments_attributes_and_chains():
    dot = """
    // a comment
    digraph G {
        rankdir=LR;
        "a" [shape=box];
        a -> b -> y [color=red]; /* block */
        c -> y
    }
    """
    spec = CausalSpec(protected="a", outcome="y", graph=dot)
    assert set(spec.edges) == {("a", "b"), ("b", "y"), ("c", "y")}


def test_to_networkx_keeps_roles(loan_spec):
    graph = loan_spec.to_networkx()
    assert set(graph.edges) == set(LOAN_DAG_EDGES)
    assert graph.nodes["industry"]["role"] == "proxy"


def test_a_cycle_is_reported_with_its_path():
    with pytest.raises(FairnessValueError, match=r"cycle: (\w+ -> ){2,}\w+"):
        CausalSpec(
            protected="a",
            mediators="m",
            outcome="y",
            edges=[("m", "k"), ("k", "a")],
        )


def test_a_role_given_twice_is_an_error():
    with pytest.raises(FairnessValueError, match=r"'income' is given two roles"):
        CausalSpec(
            protected="gender",
            mediators=["income"],
            legitimate=["income"],
            outcome="approved",
        )


def test_unknown_names_are_errors(loan_spec):
    with pytest.raises(FairnessValueError, match=r"not a node of graph.*'income'"):
        CausalSpec(
            protected="gender",
            mediators=["incom"],
            outcome="approved",
            graph=LOAN_DAG_EDGES,
        )
    with pytest.raises(FairnessValueError, match=r"fair_mediators names 'race'"):
        CausalSpec.from_roles(
            LOAN_VARIABLE_ROLES, graph=LOAN_DAG_EDGES, fair_mediators="race"
        )
    with pytest.raises(FairnessValueError, match=r"role of 'x' must be one of"):
        CausalSpec.from_roles({"x": "mediatr", "y": "outcome"})
    with pytest.raises(FairnessValueError, match=r"exactly one outcome"):
        CausalSpec.from_roles({"x": "protected"})
    with pytest.raises(FairnessValueError, match=r"protected='sex' is not.*gender"):
        loan_spec.pathways("sex")


def test_check_columns_names_what_is_missing(loan_spec):
    df = make_loan_applications(50)
    loan_spec.check_columns(df)
    with pytest.raises(FairnessValueError, match=r"no column\(s\) \['income'\]"):
        loan_spec.check_columns(df.drop(columns="income"))


def test_bad_graphs_are_errors():
    with pytest.raises(FairnessValueError, match=r"directed"):
        CausalSpec(protected="a", outcome="y", graph=nx.Graph([("a", "y")]))
    with pytest.raises(FairnessValueError, match=r"DOT .* or GML"):
        CausalSpec(protected="a", outcome="y", graph="a -> y")
    with pytest.raises(FairnessValueError, match=r"\(cause, effect\) pairs"):
        CausalSpec(protected="a", outcome="y", edges=[("a", "b", "c")])
    with pytest.raises(FairnessValueError, match=r"outcome must be a column name"):
        CausalSpec(protected="a", outcome="")


def test_pathway_table_and_dict(loan_spec):
    table = loan_spec.pathway_table("race")
    assert isinstance(table, pd.DataFrame)
    assert table["pathway"].tolist() == [
        "race -> income -> approved",
        "race -> income -> debt_to_income -> approved",
    ]
    assert table["fair"].tolist() == [False, True]
    assert loan_spec.to_dict()["proxies"] == ["industry"]
