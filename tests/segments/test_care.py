from __future__ import annotations

import re
from pathlib import Path

from careloop.journeys.loader import PLAYBOOKS
from careloop.segments.care import SEGMENTS

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT.parent / "shared" / "seeds"
# The seeds' RFM table (seeds/000 §3), copied into the repository so a clone can check quotes.
SEED_TABLE = ROOT / "tests" / "fixtures" / "seeds" / "000_rfm_table.txt"
SHIPPED_JOURNEYS = {p.stem for p in PLAYBOOKS.glob("*.yaml")}


def test_the_map_has_the_eleven_segments_of_the_issue() -> None:
    assert [s.label for s in SEGMENTS.values()] == [
        "Champions",
        "Loyal Customers",
        "Potential Loyalists",
        "New Customers",
        "Promising",
        "Need Attention",
        "About to Sleep",
        "At Risk",
        "Can't Lose Them",
        "Hibernating",
        "Lost",
    ]


def test_every_segment_names_the_seed_its_care_strategy_comes_from() -> None:
    for seg in SEGMENTS.values():
        assert re.search(r"seeds/00[0-4]", seg.source), seg.key
        assert len(seg.care_strategy) > 80, seg.key


def test_only_segments_in_the_seeds_rfm_table_claim_a_quote_the_rest_say_seeds_are_silent() -> None:
    quoted = {k for k, s in SEGMENTS.items() if s.from_seed_table}
    assert quoted == {"champions", "loyal", "at_risk"}
    silent = {k for k, s in SEGMENTS.items() if s.source.startswith("Seeds silent")}
    assert silent == set(SEGMENTS) - quoted - {"new"}  # New: the Golden Hours guidance


def test_quoted_strategies_are_word_for_word_in_the_seeds() -> None:
    text = SEED_TABLE.read_text(encoding="utf-8")
    if SEEDS.exists():  # beside the working copy: the excerpt must still match its seed
        assert text.strip() in (SEEDS / "000_a199995b38e2f179.txt").read_text(encoding="utf-8")
    for key in ("champions", "loyal", "at_risk"):
        assert SEGMENTS[key].care_strategy in text, key


def test_recommended_journeys_are_ones_the_product_ships() -> None:
    for seg in SEGMENTS.values():
        assert seg.journeys or seg.actions, seg.key
        assert set(seg.journeys) <= SHIPPED_JOURNEYS, seg.key
