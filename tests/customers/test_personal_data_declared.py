"""Every column that can hold personal data has a declared eraser (DESIGN.md rule 10):
the schema walk fails on a new text column of a customer-linked table, a raw body or an
address that nobody declared, and the registry refuses duplicates and unknown columns."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Text

from careloop import bootstrap
from careloop.core.personal_data import Person, PersonalData, customer_link
from careloop.db.models import Base
from careloop.personal_data_registry import (
    NOT_PERSONAL,
    DuplicateDeclaration,
    build_registry,
    declarations,
    undeclared_columns,
)


def test_every_column_that_can_hold_personal_data_has_a_declared_eraser() -> None:
    assert undeclared_columns(Base.metadata) == []


def test_every_customer_linked_table_is_declared_or_has_a_reason() -> None:
    declared = {d.table.name for d in declarations()}
    tables = {t.name for t in Base.metadata.sorted_tables}
    assert tables <= declared | set(NOT_PERSONAL)
    assert not declared & set(NOT_PERSONAL)
    assert all(reason.strip() for reason in NOT_PERSONAL.values())


def test_every_kept_column_says_why() -> None:
    for declaration in declarations():
        for column, reason in declaration.kept.items():
            assert reason.strip(), f"{declaration.name}.{column} is kept without a reason"


def _scratch_schema(extra_column: Column[str]) -> MetaData:
    metadata = MetaData()
    Table("customers", metadata, Column("id", Integer, primary_key=True), Column("name", String))
    Table(
        "gift_cards",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("customer_id", ForeignKey("customers.id")),
        extra_column,
    )
    Table(
        "gift_card_notes",  # linked through gift_cards
        metadata,
        Column("id", Integer, primary_key=True),
        Column("card_id", ForeignKey("gift_cards.id")),
        Column("text", Text),
    )
    return metadata


def test_an_undeclared_text_column_of_a_customer_linked_table_fails_the_walk() -> None:
    metadata = _scratch_schema(Column("message", Text))
    missing = undeclared_columns(metadata, registry=[])
    assert missing == ["customers.name", "gift_cards.message", "gift_card_notes.text"]


def test_a_declared_column_passes_the_walk_and_a_kept_one_needs_its_reason() -> None:
    metadata = _scratch_schema(Column("message", Text))
    cards = metadata.tables["gift_cards"]
    declaration = PersonalData(
        name="gift_cards",
        table=cards,
        label={"en": "Gift cards", "vi": "Thẻ quà tặng"},
        rows=customer_link(cards.c.customer_id),
        blank={"message": ""},
    )
    assert undeclared_columns(metadata, registry=[declaration]) == [
        "customers.name",
        "gift_card_notes.text",
    ]


def test_a_raw_body_without_a_customer_link_still_needs_a_declaration() -> None:
    metadata = MetaData()
    Table("customers", metadata, Column("id", Integer, primary_key=True))
    Table(
        "inbound_sms",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("raw_body", Text),
        Column("from_address", String),
        Column("status", String),
    )
    assert undeclared_columns(metadata, registry=[]) == [
        "inbound_sms.raw_body",
        "inbound_sms.from_address",
    ]


def test_the_registry_refuses_a_table_declared_twice() -> None:
    (_, orders), *_ = [c for c in bootstrap.personal_data_groups() if c[0] == "orders"]
    with pytest.raises(DuplicateDeclaration, match="orders"):
        build_registry([("orders", orders), ("imposter", orders[:1])])


def test_the_registry_refuses_a_column_the_table_does_not_have() -> None:
    metadata = _scratch_schema(Column("message", Text))
    cards = metadata.tables["gift_cards"]
    typo = PersonalData(
        name="gift_cards",
        table=cards,
        label={"en": "Gift cards", "vi": "Thẻ quà tặng"},
        rows=customer_link(cards.c.customer_id),
        blank={"mesage": ""},
    )
    with pytest.raises(ValueError, match="mesage"):
        build_registry([("gifts", [typo])])


def test_scrubbing_json_removes_identifiers_at_any_depth_and_personal_keys() -> None:
    person = Person(
        shop_id=1,
        customer_ids=(1,),
        external_ids=("C-9",),
        names=("Lê Văn Tám",),
        emails=("tam@example.vn",),
        phones=("+84901234567",),
        streets=("5 Nguyễn Huệ",),
    )
    payload = {
        "customer_id": "C-9",
        "order_id": "O-1",
        "first_name": "Tám",
        "deep": [{"why": "gọi 0901 234 567 hoặc tam@example.vn"}, {"at": "5 nguyễn huệ, Q1"}],
        "greeting": "Chào LÊ VĂN TÁM",
        "total": 1000,
    }
    assert person.scrub_json(payload) == {
        "customer_id": "[erased]",
        "order_id": "O-1",
        "deep": [{"why": "gọi [erased] hoặc [erased]"}, {"at": "[erased], Q1"}],
        "greeting": "Chào [erased]",
        "total": 1000,
    }
    assert not person.mentions(person.scrub_json(payload))
    assert person.mentions_in_key("customer:C-9:created")
    assert not person.mentions_in_key("customer:C-90:created")


def test_a_raw_json_body_with_escaped_letters_still_mentions_the_person() -> None:
    person = Person(shop_id=1, customer_ids=(1,), names=("Vũ Hoàng Thanh Trúc",))
    body = json.dumps({"shipping_address": {"name": "Vũ Hoàng Thanh Trúc"}, "id": 1})
    assert "\\u" in body
    assert person.mentions(body)
    assert not person.mentions(json.dumps({"name": "Trần Văn Minh"}))
