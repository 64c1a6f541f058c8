"""Personal data, declared: what each capability stores about a person and how it goes.

Every capability that keeps something about a customer declares it here, one
`PersonalData` per table: which rows are the person's, which columns are blanked, which
are scrubbed of the person's identifiers, which stay (and why). The erasure and the
data-subject export both walk these declarations, and a test walks the schema and fails
on any text or JSON column of a customer-linked table that no declaration mentions, so a
new column cannot be forgotten (DESIGN.md rule 10).

Also here, because they are pure: the `Person` (every identifier of one human in a shop,
across their duplicate records) and the scrubbers that remove those identifiers from text
and JSON wherever they appear."""

from __future__ import annotations

import json
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, Final

import phonenumbers
from sqlalchemy import ColumnElement, Table
from sqlalchemy.orm import Session

ERASED: Final = "[erased]"
# Shortest name or street that is scrubbed wherever it appears: "An" or "Lê" alone would
# take letters out of ordinary words; such short values go with their keys instead.
MIN_NAME_CHARS: Final = 4
MIN_STREET_CHARS: Final = 6
# JSON keys whose value is about the person whatever it says (what they wrote, who they
# are, where they live): dropped from every scrubbed JSON document, at any depth.
PERSONAL_KEYS: Final = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "full_name",
        "customer_name",
        "display_name",
        "email",
        "phone",
        "mobile",
        "zalo_user_id",
        "birthday",
        "address",
        "address1",
        "address2",
        "street",
        "shipping_address",
        "billing_address",
        "default_address",
        "addresses",
        "comment",
        "text",
        "body",
        "note",
        "answers",
        "message",
        "subject",
        "to",
        "to_address",
    }
)
# Separators people put between the digits of a phone number.
_PHONE_SEP: Final = r"[\s.\-()]?"


@dataclass(frozen=True)
class Person:
    """One human in one shop: all their customer records and everything that identifies
    them (an erasure of one record is an erasure of the person)."""

    shop_id: int
    customer_ids: tuple[int, ...]
    external_ids: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()  # E.164
    zalo_ids: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()

    @cached_property
    def literal_terms(self) -> tuple[str, ...]:
        """The identifiers as written (for a database LIKE), longest first."""
        terms = {n for n in self.names if len(n) >= MIN_NAME_CHARS}
        terms |= {s for s in self.streets if len(s) >= MIN_STREET_CHARS}
        terms |= set(self.emails) | set(self.zalo_ids)
        for phone in self.phones:
            terms |= set(phone_spellings(phone))
        return tuple(sorted((_nfc(t) for t in terms if t), key=lambda t: (-len(t), t)))

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        parts = [re.escape(t) for t in self.literal_terms if not _is_phone_spelling(t)]
        parts += [phone_pattern(p) for p in self.phones]
        if not parts:
            return None
        return re.compile("|".join(parts), re.IGNORECASE)

    def mentions(self, value: Any) -> bool:
        """Whether a text or JSON value holds one of the person's identifiers."""
        if isinstance(value, str):
            if self._pattern is None:
                return False
            if self._pattern.search(_nfc(value)) is not None:
                return True
            # A raw JSON body may spell letters as \u escapes ("Nguy\u1ec5n").
            if "\\u" not in value:
                return False
            return self._pattern.search(_nfc(_unescaped(value))) is not None
        if isinstance(value, Mapping):
            return any(self.mentions(k) or self.mentions(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.mentions(v) for v in value)
        return False

    def scrub_text(self, value: str) -> str:
        """`value` with every identifier of the person replaced by ERASED."""
        if not value:
            return value
        if value.strip() in self.external_ids:
            return ERASED
        text = _nfc(value)
        if self._pattern is None:
            return value
        return self._pattern.sub(ERASED, text) if self._pattern.search(text) else value

    def scrub_json(self, value: Any) -> Any:
        """A JSON document without personal keys and with the person's identifiers replaced
        in every string, at any depth (keys the capability did not foresee included)."""
        if isinstance(value, str):
            return self.scrub_text(value)
        if isinstance(value, Mapping):
            return {
                self.scrub_text(str(k)): self.scrub_json(v)
                for k, v in value.items()
                if str(k).casefold() not in PERSONAL_KEYS
            }
        if isinstance(value, list | tuple):
            return [self.scrub_json(v) for v in value]
        return value

    def mentions_in_key(self, value: str | None) -> bool:
        """Whether an idempotency-style key (`customer:C-1:created`) names the person."""
        if not value:
            return False
        return self.mentions(value) or any(part in self.external_ids for part in value.split(":"))


def phone_spellings(e164: str) -> tuple[str, ...]:
    """How a number is commonly written: +84912345678, 84912345678, 0912345678."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return (e164,)
    national = str(parsed.national_number)
    country = str(parsed.country_code)
    return (f"+{country}{national}", f"{country}{national}", f"0{national}", national)


def phone_pattern(e164: str) -> str:
    """A regex for the number with any common separators and prefix (+84 / 84 / 0)."""
    spellings = phone_spellings(e164)
    national = spellings[-1]
    country = spellings[1][: -len(national)] if len(spellings) > 1 else ""
    digits = _PHONE_SEP.join(re.escape(d) for d in national)
    prefix = rf"(?:\+?{country}{_PHONE_SEP}|0)?" if country else ""
    return rf"(?<!\d){prefix}{digits}(?!\d)"


def _is_phone_spelling(term: str) -> bool:
    return term.lstrip("+").isdigit()


def _unescaped(value: str) -> str:
    try:
        return str(json.loads(f'"{value}"'))
    except ValueError:
        return value.encode("ascii", "backslashreplace").decode("unicode_escape", "replace")


def _nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def random_key() -> str:
    """A unique replacement for a key that named the person (unique constraints hold)."""
    return f"erased:{secrets.token_hex(12)}"


# A value written on erasure: fixed, or computed from the row (a mapping) and the time.
BlankValue = Any


def stop_pending(pending: Collection[str], stopped: str) -> Callable[[Any, datetime], Any]:
    """For a `status` column: work still waiting (a queued message, an active journey)
    stops, since nothing may reach an erased person; finished rows keep their status."""
    return lambda row, _now: stopped if row["status"] in pending else row["status"]


def note_if_pending(
    column: str, pending: Collection[str], note: str | None
) -> Callable[[Any, datetime], Any]:
    """For the column that says why a row stopped: `note` on the rows `stop_pending` stops."""
    return lambda row, _now: note if row["status"] in pending else row[column]


# Which rows of a table are the person's (the engine adds the shop).
RowFilter = Callable[[Person], ColumnElement[bool]]
# A section of the data-subject export built by the capability itself.
Exporter = Callable[[Session, Person], list[dict[str, Any]]]
# Extra work after the rows are erased (e.g. compacting a full-text index).
AfterErase = Callable[[Session, Person, datetime], int]


@dataclass(frozen=True)
class PersonalData:
    """How one table's personal data is found, erased and exported.

    Exactly one of `rows` (the person's rows, usually by customer id) or `search` (text or
    JSON columns that may mention the person, for tables without a customer link such as
    raw webhook bodies) says which rows are concerned. Every text or JSON column of the
    table is in `blank`, `scrub`, `rekey` or `kept`, or the rows are deleted."""

    name: str  # the export section and the erasure report line: "messages"
    table: Table
    label: Mapping[str, str]  # {"en": ..., "vi": ...} for the readable export
    rows: RowFilter | None = None
    search: tuple[str, ...] = ()
    blank: Mapping[str, Any] = field(default_factory=dict)  # column -> value written
    scrub: tuple[str, ...] = ()  # identifiers replaced (text) or removed (JSON)
    rekey: tuple[str, ...] = ()  # unique keys naming the person: a random key instead
    delete: bool = False  # the person's rows are deleted
    kept: Mapping[str, str] = field(default_factory=dict)  # column -> why it is not personal
    export: Exporter | None = None  # default: the rows' columns
    exported: bool = True  # False: nothing worth showing (bookkeeping)
    custom_erase: AfterErase | None = None

    def covered(self) -> frozenset[str]:
        """Columns this declaration says something about."""
        if self.delete:
            return frozenset(self.table.c.keys())
        return frozenset((*self.blank, *self.scrub, *self.rekey, *self.kept, *self.search))

    def personal(self) -> tuple[str, ...]:
        """Columns that change on erasure."""
        return tuple(dict.fromkeys((*self.blank, *self.scrub, *self.rekey, *self.search)))

    def check(self) -> None:
        """Raise if the declaration names a column its table does not have."""
        if (self.rows is None) == (not self.search):
            raise ValueError(f"personal data {self.name!r}: give exactly one of rows or search")
        unknown = sorted(self.covered() - set(self.table.c.keys()))
        if unknown:
            raise ValueError(
                f"personal data {self.name!r}: table {self.table.name} has no column(s) "
                + ", ".join(unknown)
            )


def customer_link(column: Any) -> RowFilter:
    """Rows whose `column` is one of the person's customer records."""
    return lambda person: column.in_(person.customer_ids)  # type: ignore[no-any-return]


def unique_terms(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(sorted({v.strip() for v in values if v and v.strip()}))
