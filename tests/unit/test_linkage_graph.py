"""The pure network functions: plain rows in, a graph and plain values out."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from followthemoney import model
from followthemoney.util import make_entity_id

from opennrm.linkage.graph import (
    AddressRow,
    CaseRow,
    CompanyRow,
    LinkRow,
    PersonRow,
    build_graph,
    clusters,
    ftm_entities,
    graph_json,
    linked_only,
    most_connected,
    neighbourhood,
    path_json,
    shortest_path,
)

SALT = b"s" * 32


def case(n: int, record_type: str = "signal") -> CaseRow:
    return CaseRow(record_type, f"id{n}", f"C-{n}", f"Org {n}", f"2026-0{n}-01")


def person(key: str, n: int, *names: str, **more: tuple[str, ...] | str) -> PersonRow:
    return PersonRow(key, "signal", f"id{n}", "victim", names, **more)  # type: ignore[arg-type]


def kinds(graph, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(n for n, k in graph.nodes(data="kind") if k == kind)


def test_values_written_differently_meet_at_one_node() -> None:
    graph = build_graph(
        [case(1), case(2), case(3)],
        [
            person(
                "a", 1, "Aung Ko", phones=("+358 40 765 4321",), emails=("Aung.Ko+x@gmail.com",)
            ),
            person("b", 2, "Ma Thida", phones=("040-765 4321",), emails=("aungko@googlemail.com",)),
            person(
                "c",
                3,
                "Zaw Min",
                identifiers=("FI21 1234 5600 0007 85", "fe 123-456", "FI2112345600000785"),
            ),
        ],
        [
            CompanyRow("signal", "id1", "Marja Oy", "0112038-9"),
            CompanyRow("signal", "id2", "MARJA OY (toiminimi)", "0112038-9"),
            CompanyRow("signal", "id3", "Siivous Oy"),
            CompanyRow("signal", "id2", " siivous  oy "),
        ],
        [
            AddressRow("signal", "id1", "Mannerheimintie 5 A, 00100 Helsinki"),
            AddressRow("signal", "id3", "MANNERHEIMINTIE 5 a 00100 helsinki"),
        ],
    )
    [phone] = kinds(graph, "phone")
    assert graph.nodes[phone]["label"] == "+358407654321"
    assert sorted(graph.neighbors(phone)) == ["p:a", "p:b"]
    [email] = kinds(graph, "email")
    assert graph.nodes[email]["label"] == "aungko@gmail.com"
    [account] = kinds(graph, "account")
    assert graph.nodes[account]["label"] == "FI21 1234 5600 0007 85"
    assert list(graph.neighbors(account)) == ["p:c"]
    [document] = kinds(graph, "identifier")
    assert graph.nodes[document]["label"] == "FE123456"
    companies = kinds(graph, "company")
    assert len(companies) == 2
    by_id = next(c for c in companies if graph.nodes[c]["business_id"])
    assert sorted(graph.neighbors(by_id)) == ["signal:id1", "signal:id2"]
    by_name = next(c for c in companies if not graph.nodes[c]["business_id"])
    assert sorted(graph.neighbors(by_name)) == ["signal:id2", "signal:id3"]
    [address] = kinds(graph, "address")
    assert graph.nodes[address]["label"] == "Mannerheimintie 5 A, 00100 Helsinki"
    assert sorted(graph.neighbors(address)) == ["signal:id1", "signal:id3"]


def test_node_ids_are_opaque_and_numbered_per_graph() -> None:
    graph = build_graph(
        [case(1)],
        [person("k1", 1, "Aung Ko", phones=("+358401111111", "+358402222222"))],
    )
    assert sorted(graph.nodes) == ["p:k1", "ph:1", "ph:2", "signal:id1"]
    for node in graph.nodes:
        assert "358" not in node and "Aung" not in node


def test_parts_and_links_outside_the_given_cases_are_left_out() -> None:
    graph = build_graph(
        [case(1), case(2)],
        [person("a", 1, "A"), person("b", 2, "B"), person("x", 9, "Hidden", phones=("+358401",))],
        [CompanyRow("signal", "id9", "Hidden Oy")],
        [AddressRow("signal", "id9", "Piilotie 1")],
        [
            LinkRow("a", "x", "confirmed"),
            LinkRow("a", "b", "rejected"),
            LinkRow("a", "a", "confirmed"),
        ],
    )
    assert sorted(graph.nodes) == ["p:a", "p:b", "signal:id1", "signal:id2"]
    assert graph.number_of_edges() == 2


def test_a_confirmed_link_is_not_weakened_by_an_open_one() -> None:
    graph = build_graph(
        [case(1), case(2)],
        [person("a", 1, "A"), person("b", 2, "B")],
        links=[LinkRow("a", "b", "confirmed", 0.91), LinkRow("b", "a", "open", 0.5)],
    )
    assert graph.edges["p:a", "p:b"] == {"kind": "confirmed", "score": 0.91}


def test_confirmed_links_make_clusters_and_open_ones_do_not() -> None:
    graph = build_graph(
        [case(n) for n in range(1, 6)],
        [person(k, n, f"Name {k}") for n, k in enumerate("abcde", start=1)],
        links=[
            LinkRow("a", "b", "confirmed"),
            LinkRow("b", "c", "confirmed"),
            LinkRow("c", "d", "open"),
            LinkRow("d", "e", "open"),
        ],
    )
    assert clusters(graph) == [
        {
            "id": "cl:1",
            "persons": ["p:a", "p:b", "p:c"],
            "labels": ["Name a", "Name b", "Name c"],
            "cases": ["signal:id1", "signal:id2", "signal:id3"],
        }
    ]


def test_most_connected_ranks_by_cases_then_neighbours() -> None:
    graph = build_graph(
        [case(1), case(2), case(3), case(4)],
        [
            person("a", 1, "A", phones=("+358401111111",), emails=("a@example.org",)),
            person("b", 2, "B", phones=("+358401111111",)),
            person("c", 3, "C", phones=("+358401111111",)),
        ],
        [CompanyRow("signal", "id1", "Yksi Oy"), CompanyRow("signal", "id2", "Yksi Oy")],
    )
    top = most_connected(graph, limit=3)
    assert [(r["kind"], r["cases"], r["degree"]) for r in top["entities"]] == [
        ("phone", 3, 3),
        ("company", 2, 2),
        ("person", 1, 3),
    ]
    assert top["entities"][2]["label"] == "A"
    # Case 4 has nothing: it is joined to nothing and not listed.
    assert {r["id"]: r["linked_cases"] for r in top["cases"]} == {
        "signal:id1": 2,
        "signal:id2": 2,
        "signal:id3": 2,
    }


def test_shortest_path_between_two_cases() -> None:
    graph = build_graph(
        [case(1), case(2), case(3, "investigation")],
        [
            person("a", 1, "A", phones=("+358401111111",)),
            person("b", 2, "B", phones=("+358401111111",)),
            PersonRow("c", "investigation", "id3", "suspect", ("C",)),
        ],
        links=[LinkRow("b", "c", "open", 0.7)],
    )
    path = shortest_path(graph, "signal:id1", "investigation:id3")
    assert path == ["signal:id1", "p:a", "ph:1", "p:b", "p:c", "investigation:id3"]
    out = path_json(graph, path)
    assert [n["kind"] for n in out["path"]] == [
        "case",
        "person",
        "phone",
        "person",
        "person",
        "case",
    ]
    assert [e["kind"] for e in out["edges"]] == [
        "in_case",
        "phone",
        "phone",
        "candidate",
        "in_case",
    ]
    assert out["edges"][0]["role"] == "victim"
    lonely = build_graph([case(1), case(2)])
    assert shortest_path(lonely, "signal:id1", "signal:id2") == []
    with pytest.raises(KeyError):
        shortest_path(lonely, "signal:id1", "signal:nope")


def test_neighbourhood_and_linked_only() -> None:
    graph = build_graph(
        [case(1), case(2), case(3)],
        [
            person("a", 1, "A", phones=("+358401111111",)),
            person("b", 2, "B", phones=("+358401111111",)),
            person("c", 3, "C"),
        ],
    )
    assert sorted(neighbourhood(graph, "signal:id1", 1).nodes) == ["p:a", "signal:id1"]
    assert "signal:id2" in neighbourhood(graph, "signal:id1", 4)
    with pytest.raises(KeyError):
        neighbourhood(graph, "signal:nope", 1)
    assert sorted(linked_only(graph).nodes) == ["p:a", "p:b", "ph:1", "signal:id1", "signal:id2"]


def test_the_json_carries_the_first_name_only() -> None:
    graph = build_graph(
        [case(1)],
        [
            person(
                "a",
                1,
                "Олена Коваленко",
                "Olena Kovalenko",
                birth_date="1990-04-02",
                nationality="UA",
            )
        ],
    )
    out = graph_json(graph, truncated=True)
    assert out["truncated"] is True
    assert out["nodes"] == [
        {
            "id": "signal:id1",
            "kind": "case",
            "label": "C-1",
            "record_type": "signal",
            "record_id": "id1",
            "organisation": "Org 1",
            "date": "2026-01-01",
        },
        {
            "id": "p:a",
            "kind": "person",
            "label": "Олена Коваленко",
            "case": "signal:id1",
            "role": "victim",
        },
    ]
    assert out["edges"] == [
        {"source": "signal:id1", "target": "p:a", "kind": "in_case", "role": "victim"}
    ]
    assert out["counts"]["person"] == 1 and out["counts"]["phone"] == 0
    assert "1990" not in json.dumps(out) and "Olena" not in json.dumps(out)


def test_followthemoney_entities_with_salted_ids() -> None:
    graph = build_graph(
        [case(1), case(2)],
        [
            person(
                "a",
                1,
                "Olena Kovalenko",
                birth_date="1990-04",
                nationality="UA",
                phones=("+358401111111",),
                emails=("olena@example.org",),
                identifiers=("FI2112345600000785", "FE123456"),
            ),
            person("b", 2, "Ion Munteanu", phones=("+358401111111",)),
        ],
        [CompanyRow("signal", "id1", "Marja Oy", "0112038-9")],
        [AddressRow("signal", "id1", "Piilotie 1, 00100 Helsinki")],
        [LinkRow("a", "b", "open", 0.6)],
    )
    entities = list(ftm_entities(graph, salt=SALT))
    proxies = [model.get_proxy(json.loads(json.dumps(e))) for e in entities]
    schemata = Counter(p.schema.name for p in proxies)
    assert schemata == {
        "Address": 1,
        "BankAccount": 1,
        "Company": 1,
        "Identification": 1,
        "Ownership": 1,
        "Person": 2,
        "Project": 2,
        "ProjectParticipant": 3,  # two persons and the company in their cases
        "UnknownLink": 1,
    }
    ids = {p.id for p in proxies}
    assert len(ids) == len(proxies)
    refs = {
        v
        for p in proxies
        for prop in p.schema.properties.values()
        if prop.type.name == "entity"
        for v in p.get(prop)
    }
    assert refs <= ids  # every reference points into the export
    [link] = [p for p in proxies if p.schema.name == "UnknownLink"]
    assert link.get("role") == ["possibly the same person (candidate, not reviewed)"]
    [project] = [p for p in proxies if p.schema.name == "Project" and p.get("addressEntity")]
    assert project.get("name") == ["C-1"]
    personal = ["Olena Kovalenko", "+358401111111", "olena@example.org", "FE123456", "p:a", "ph:1"]
    assert not ids & {make_entity_id(v) for v in personal}
    # The same key gives the same ids (edges can point at entities); another key, others.
    assert [e["id"] for e in ftm_entities(graph, salt=SALT)] == [e["id"] for e in entities]
    assert not ids & {e["id"] for e in ftm_entities(graph, salt=b"t" * 32)}
    with pytest.raises(ValueError, match="16 random bytes"):
        list(ftm_entities(graph, salt=b"short"))
