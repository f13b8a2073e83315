"""The typed fact extractor and the lexicon, on synthetic sentences (fast, no hub)."""

from __future__ import annotations

import pytest

from hub.learning.facts import Fact, Lexicon, numeric_facts, parse_option


def kinds(sentence: str, lexicon: Lexicon | None = None) -> list[tuple[str, str, str]]:
    facts = (lexicon or Lexicon()).facts(sentence)
    return [(f.kind, f.unit, f.text) for f in facts]


def test_numbers_units_regimens_and_time_points_are_typed() -> None:
    got = kinds("Give 150 mg at week 0 and week 4, then every 12 weeks; store at 2°C for up to 30 days.")
    assert got == [
        ("dose", "mg", "150 mg"),
        ("timepoint", "week", "week 0"),
        ("timepoint", "week", "week 4"),
        ("interval", "week", "every 12 weeks"),
        ("temperature", "°C", "2°C"),
        ("duration", "day", "30 days"),
    ]


def test_percentages_counts_ratios_and_hyphenated_durations() -> None:
    got = kinds("In a 16-week period, 812 patients at 121 sites were randomized 3:1 and 72.4% responded.")
    assert got == [
        ("duration", "week", "16-week"),
        ("count", "patients", "812 patients"),
        ("count", "sites", "121 sites"),
        ("ratio", "", "3:1"),
        ("percent", "%", "72.4%"),
    ]


def test_numbers_inside_entities_and_plain_numbers_are_not_facts() -> None:
    # "90" belongs to the endpoint, "23" to the cytokine; "Table 1 summarizes" counts nothing.
    assert kinds("Table 1 summarizes PASI 90 and IL-23 p19 data.") == [
        ("endpoint", "", "PASI 90"),
        ("target", "", "IL-23 p19"),
    ]
    assert numeric_facts("Version 4 of the deck was reviewed by 3 people.") == []


def test_lexicon_mines_suffixes_brand_aliases_and_seed_drugs() -> None:
    lex = Lexicon.mine(
        ["ZORBEX (zorbexumab) was compared with adalimumab and etanercept.", "Methotrexate remains an option."]
    )
    assert {"zorbexumab", "zorbex", "adalimumab", "etanercept", "methotrexate"} <= lex.drugs
    assert lex.canonical("ZORBEX") == lex.canonical("zorbexumab") == "zorbexumab"
    facts = lex.facts("Zorbexumab was superior to adalimumab in PASI 75 at week 16.")
    assert [(f.kind, f.text) for f in facts] == [
        ("drug", "Zorbexumab"),
        ("drug", "adalimumab"),
        ("endpoint", "PASI 75"),
        ("timepoint", "week 16"),
    ]


def test_same_thing_handles_aliases_and_number_formats() -> None:
    lex = Lexicon.mine(["ZORBEX (zorbexumab) and adalimumab."])
    brand, generic, other = (parse_option(lex, t) for t in ("ZORBEX", "zorbexumab", "adalimumab"))
    assert brand and generic and other
    assert lex.same_thing(brand, generic)
    assert not lex.same_thing(brand, other)
    a, b = parse_option(lex, "1,480 subjects"), parse_option(lex, "1480 subjects")
    assert a and b and lex.same_thing(a, b)
    # Same number, different unit: not the same fact (and not even the same kind of fact).
    mg, pct = parse_option(lex, "12 mg"), parse_option(lex, "12%")
    assert mg and pct and not lex.same_thing(mg, pct)


@pytest.mark.parametrize(
    ("text", "number", "expected"),
    [
        ("16-week", "12", "12-week"),
        ("12 weeks", "1", "1 week"),
        ("1 week", "4", "4 weeks"),
        ("every 12 weeks", "8", "every 8 weeks"),
        ("72.4%", "3.0", "3.0%"),
        ("150 mg", "300", "300 mg"),
    ],
)
def test_with_number_keeps_the_wording(text: str, number: str, expected: str) -> None:
    fact = Lexicon().facts(text)[0]
    assert fact.with_number(number) == expected


def test_parse_option_requires_exactly_one_whole_fact() -> None:
    lex = Lexicon()
    assert parse_option(lex, "150 mg") == Fact("dose", "mg", "150 mg", 0, 6, "150")
    assert parse_option(lex, "150 mg daily") is None
    assert parse_option(lex, "150 mg or 300 mg") is None
    assert parse_option(lex, "placebo") is None
