"""The survey builder's form as data: what the owner filled in, to a survey definition and back.

The owner builds a survey with fields (name, score, one block per question: its type, its
words in Vietnamese and English, its options one per line) instead of YAML. This module is
pure: it turns the posted fields into the same definition the YAML editor saves, checks it
with errors in the owner's language that name the question and the field, and turns a
stored survey back into fields. A blank question block is ignored, so "add a question" is
just one more empty block. Option ids are kept for options whose words did not change, so
answers already given still count under them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import FieldError, ValidationFailed
from careloop.customers.search_key import fold
from careloop.feedback import surveys

MAX_OPTION_LINES: Final = 20
_NOT_ID = re.compile(r"[^a-z0-9_]+")


@dataclass
class QuestionFields:
    """One question block of the form, as the owner typed it."""

    id: str = ""
    type: str = "single_choice"
    text_vi: str = ""
    text_en: str = ""
    options: str = ""  # one option a line: "Tiếng Việt | English" (English may be left out)
    required: bool = False

    def is_blank(self) -> bool:
        return not (self.text_vi.strip() or self.text_en.strip() or self.options.strip())


@dataclass
class SurveyFields:
    """The whole form."""

    key: str = ""
    kind: str = "nps"
    name: str = ""
    active: bool = True
    questions: list[QuestionFields] = field(default_factory=list)


MESSAGES: Final = catalogue_texts("feedback.survey_form.messages")


def slug(text: str) -> str:
    """An id from words: "Hương vị đậm" -> "huong_vi_dam" (empty when there are no letters)."""
    value = _NOT_ID.sub("_", fold(text)).strip("_")
    if value and not value[0].isalpha():
        value = "x_" + value
    return value[:40].rstrip("_")


def fields_from_form(form: Mapping[str, Any]) -> SurveyFields:
    """The posted form (`q-<n>-<field>` per question block) as fields."""
    indexes = sorted({int(m.group(1)) for name in form for m in [re.match(r"q-(\d+)-", name)] if m})
    questions = [
        QuestionFields(
            id=str(form.get(f"q-{i}-id", "")).strip(),
            type=str(form.get(f"q-{i}-type", "single_choice")),
            text_vi=str(form.get(f"q-{i}-text_vi", "")).strip(),
            text_en=str(form.get(f"q-{i}-text_en", "")).strip(),
            options=str(form.get(f"q-{i}-options", "")),
            required=str(form.get(f"q-{i}-required", "")) in ("1", "on", "true"),
        )
        for i in indexes
        if str(form.get(f"q-{i}-remove", "")) not in ("1", "on", "true")
    ]
    return SurveyFields(
        key=str(form.get("key", "")).strip(),
        kind=str(form.get("kind", "nps")),
        name=str(form.get("name", "")).strip(),
        active=str(form.get("active", "")) in ("1", "on", "true"),
        questions=questions,
    )


def fields_from_data(data: Mapping[str, Any]) -> SurveyFields:
    """A stored survey definition as the form shows it."""
    questions = []
    for q in data.get("questions", []):
        lines = [
            o["vi"] if o["vi"] == o["en"] else f"{o['vi']} | {o['en']}"
            for o in q.get("options", [])
        ]
        questions.append(
            QuestionFields(
                id=q["id"],
                type=q["type"],
                text_vi=q["text"]["vi"],
                text_en=q["text"]["en"],
                options="\n".join(lines),
                required=bool(q.get("required")),
            )
        )
    return SurveyFields(
        key=str(data.get("key", "")),
        kind=str(data.get("kind", "nps")),
        name=str(data.get("name", "")),
        active=bool(data.get("active", True)),
        questions=questions,
    )


def definition_from_fields(
    fields: SurveyFields, lang: str, *, previous: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The survey definition the fields describe, checked; or ValidationFailed whose errors
    name the question and field in `lang` ("Câu hỏi 2 › các lựa chọn: cần ít nhất 2 …")."""
    text = MESSAGES["vi" if lang == "vi" else "en"]
    errors: list[FieldError] = []
    key = fields.key or slug(fields.name)
    if not fields.name:
        errors.append(FieldError(text["name"], text["required"]))
    elif len(fields.name) > 200:
        errors.append(FieldError(text["name"], text["too_long"].format(max=200)))
    elif not key:
        errors.append(FieldError(text["name"], text["no_id"]))
    elif not re.fullmatch(surveys.ID_PATTERN, key):
        errors.append(FieldError(text["key"], text["bad_key"]))
    if fields.kind not in ("nps", "csat"):
        errors.append(FieldError(text["kind"], text["bad_kind"]))
    blocks = [q for q in fields.questions if not q.is_blank()]
    if len(blocks) > surveys.MAX_QUESTIONS:
        errors.append(
            FieldError(
                text["question"].format(n=""),
                text["too_many_questions"].format(max=surveys.MAX_QUESTIONS),
            )
        )
    old_options = _previous_option_ids(previous)
    questions: list[dict[str, Any]] = []
    used_ids: set[str] = set()
    for n, block in enumerate(blocks, start=1):
        label = text["question"].format(n=n)
        question, problems = _question(block, n, text, old_options, used_ids)
        errors += [FieldError(f"{label} › {where}", why) for where, why in problems]
        questions.append(question)
    if errors:
        raise ValidationFailed(errors)
    data = {
        "key": key,
        "kind": fields.kind,
        "name": fields.name,
        "active": fields.active,
        "questions": questions,
    }
    surveys.parse_survey(data)  # the same check as the YAML editor and the API
    return data


def _question(
    block: QuestionFields,
    n: int,
    text: Mapping[str, str],
    old_options: Mapping[tuple[str, str, str], str],
    used_ids: set[str],
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    if block.type not in surveys.QUESTION_TYPES:
        problems.append((text["type"], text["bad_type"]))
    vi = block.text_vi or block.text_en
    en = block.text_en or block.text_vi
    if not vi:
        problems.append((text["text_vi"], text["required"]))
    elif max(len(vi), len(en)) > 300:
        problems.append((text["text_vi"], text["too_long"].format(max=300)))
    qid = block.id or slug(en) or f"q{n}"
    while qid in used_ids:
        qid = f"{qid[:36]}_{n}"
    used_ids.add(qid)
    question: dict[str, Any] = {
        "id": qid,
        "type": block.type,
        "text": {"vi": vi, "en": en},
        "required": block.required,
        "order": n,
    }
    if block.type in surveys.CHOICE_TYPES:
        options, option_problems = _options(block.options, qid, text, old_options)
        problems += option_problems
        question["options"] = options
    return question, problems


def _options(
    raw: str,
    qid: str,
    text: Mapping[str, str],
    old_options: Mapping[tuple[str, str, str], str],
) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    problems: list[tuple[str, str]] = []
    if len(lines) < 2:
        problems.append((text["options"], text["two_options"]))
    if len(lines) > MAX_OPTION_LINES:
        problems.append((text["options"], text["too_many_options"].format(max=MAX_OPTION_LINES)))
    options: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, line in enumerate(lines[:MAX_OPTION_LINES], start=1):
        vi, _, en = (part.strip() for part in line.partition("|"))
        en = en or vi
        if len(vi) > 120 or len(en) > 120:
            problems.append((text["options"], text["too_long"].format(max=120)))
        oid = old_options.get((qid, vi, en)) or slug(en) or f"o{i}"
        if oid in seen:
            if fold(vi) in {fold(o["vi"]) for o in options}:
                problems.append((text["options"], text["same_option"].format(text=vi)))
            oid = f"{oid[:36]}_{i}"
        seen.add(oid)
        options.append({"id": oid, "vi": vi[:120], "en": en[:120]})
    return options, problems


def _previous_option_ids(previous: Mapping[str, Any] | None) -> dict[tuple[str, str, str], str]:
    """(question id, vi, en) -> option id in the survey as it was, to keep ids stable."""
    if not previous:
        return {}
    return {
        (q["id"], o["vi"], o["en"]): o["id"]
        for q in previous.get("questions", [])
        for o in q.get("options", [])
    }


def blank_question() -> QuestionFields:
    return QuestionFields()


def question_types(lang: str) -> Sequence[tuple[str, str]]:
    """The question types with their names in `lang`, for the type list."""
    names = {
        "vi": {
            "single_choice": "Chọn một",
            "multiple_choice": "Chọn nhiều",
            "text": "Trả lời bằng chữ",
            "scale_1_5": "Thang điểm 1–5",
            "scale_0_10": "Thang điểm 0–10",
            "yes_no": "Có / Không",
        },
        "en": {
            "single_choice": "Pick one",
            "multiple_choice": "Pick several",
            "text": "Written answer",
            "scale_1_5": "Scale 1–5",
            "scale_0_10": "Scale 0–10",
            "yes_no": "Yes / No",
        },
    }["vi" if lang == "vi" else "en"]
    return [(t, names[t]) for t in surveys.QUESTION_TYPES]
