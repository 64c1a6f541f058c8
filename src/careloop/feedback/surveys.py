"""Custom survey questions as pure data: what a shop may define (checked, with the field
named when it is wrong), what a customer's answers must look like, and the per-question
summary the staff page shows. No I/O here; survey_store.py keeps them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from careloop.core.errors import FieldError, ValidationFailed

QUESTION_TYPES: Final = (
    "single_choice",
    "multiple_choice",
    "text",
    "scale_1_5",
    "scale_0_10",
    "yes_no",
)
CHOICE_TYPES: Final = ("single_choice", "multiple_choice")
SCALE_RANGES: Final = {"scale_1_5": (1, 5), "scale_0_10": (0, 10)}
MAX_QUESTIONS: Final = 20
MAX_TEXT_ANSWER: Final = 2000
ID_PATTERN: Final = r"^[a-z][a-z0-9_]{0,39}$"

QuestionType = Literal[
    "single_choice", "multiple_choice", "text", "scale_1_5", "scale_0_10", "yes_no"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Wording(_Strict):
    """The same words in both languages the answer page speaks."""

    en: str = Field(min_length=1, max_length=300)
    vi: str = Field(min_length=1, max_length=300)

    def in_(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


class Option(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    en: str = Field(min_length=1, max_length=120)
    vi: str = Field(min_length=1, max_length=120)

    def in_(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


class Question(_Strict):
    id: str = Field(pattern=ID_PATTERN)
    type: QuestionType
    text: Wording
    options: list[Option] = Field(default_factory=list, max_length=20)
    required: bool = False
    order: int = Field(default=0, ge=0, le=1000)

    @model_validator(mode="after")
    def _options_fit_the_type(self) -> Question:
        if self.type in CHOICE_TYPES:
            if len(self.options) < 2:
                raise ValueError(f"a {self.type} question needs at least 2 options")
            ids = [o.id for o in self.options]
            if len(set(ids)) != len(ids):
                raise ValueError("option ids must be unique within a question")
        elif self.options:
            raise ValueError(f"a {self.type} question has no options")
        return self

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


class SurveyDef(_Strict):
    """A shop's survey: the one-tap score, then these questions in `order`."""

    key: str = Field(pattern=ID_PATTERN)
    kind: Literal["nps", "csat"]
    name: str = Field(min_length=1, max_length=200)
    active: bool = True
    questions: list[Question] = Field(default_factory=list, max_length=MAX_QUESTIONS)

    @model_validator(mode="after")
    def _unique_ids(self) -> SurveyDef:
        seen: set[str] = set()
        for q in self.questions:
            if q.id in seen:
                raise ValueError(f"question id {q.id!r} is used twice")
            seen.add(q.id)
        return self

    def ordered(self) -> list[Question]:
        """By `order`, then as written (a stable sort keeps ties in file order)."""
        return sorted(self.questions, key=lambda q: q.order)


def parse_survey(data: Mapping[str, Any]) -> SurveyDef:
    """A survey definition from YAML/JSON, or ValidationFailed naming each bad field
    (e.g. `questions.2.options`)."""
    try:
        return SurveyDef.model_validate(dict(data))
    except ValidationError as exc:
        raise ValidationFailed(
            [
                FieldError(".".join(str(p) for p in e["loc"]) or "survey", _message(e))
                for e in exc.errors()
            ]
        ) from None


def _message(error: Any) -> str:
    msg = str(error["msg"])
    return msg.removeprefix("Value error, ")


def stored_questions(survey: SurveyDef) -> list[dict[str, Any]]:
    return [q.model_dump() for q in survey.ordered()]


def load_questions(raw: Sequence[Mapping[str, Any]]) -> list[Question]:
    """Questions as stored on the survey row (already checked when saved)."""
    return sorted((Question.model_validate(dict(q)) for q in raw), key=lambda q: q.order)


# --- Answers -------------------------------------------------------------------------------


ERRORS: Final = {
    "en": {
        "required": "Please answer this question.",
        "choice": "Please pick one of the options.",
        "scale": "Please pick a number on the scale.",
        "too_long": f"Please keep it under {MAX_TEXT_ANSWER} characters.",
    },
    "vi": {
        "required": "Vui lòng trả lời câu hỏi này.",
        "choice": "Vui lòng chọn một trong các lựa chọn.",
        "scale": "Vui lòng chọn một số trên thang điểm.",
        "too_long": f"Vui lòng viết dưới {MAX_TEXT_ANSWER} ký tự.",
    },
}


@dataclass
class Checked:
    """The answers kept (by question id) and, per question id, why an answer was refused."""

    answers: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def check_answers(
    questions: Sequence[Question], form: Mapping[str, Sequence[str]], lang: str = "en"
) -> Checked:
    """The customer's form (field `q_<id>`, several values for multiple choice) checked
    against the questions; unknown fields are ignored, optional blanks are left out."""
    texts = ERRORS["vi" if lang == "vi" else "en"]
    out = Checked()
    for q in questions:
        values = [v.strip() for v in form.get(f"q_{q.id}", []) if v and v.strip()]
        if not values:
            if q.required:
                out.errors[q.id] = texts["required"]
            continue
        value, problem = _one(q, values)
        if problem is not None:
            out.errors[q.id] = texts[problem]
        else:
            out.answers[q.id] = value
    return out


def _one(q: Question, values: list[str]) -> tuple[Any, str | None]:
    if q.type == "single_choice":
        return (values[0], None) if q.option(values[0]) else (None, "choice")
    if q.type == "multiple_choice":
        chosen = list(dict.fromkeys(values))
        if any(q.option(v) is None for v in chosen):
            return None, "choice"
        return chosen, None
    if q.type == "yes_no":
        return (
            ({"yes": True, "no": False}[values[0]], None)
            if values[0] in ("yes", "no")
            else (
                None,
                "choice",
            )
        )
    if q.type in SCALE_RANGES:
        low, high = SCALE_RANGES[q.type]
        if not values[0].isdigit() or not low <= int(values[0]) <= high:
            return None, "scale"
        return int(values[0]), None
    text = values[0]
    return (None, "too_long") if len(text) > MAX_TEXT_ANSWER else (text, None)


def describe_answer(q: Question, value: Any, lang: str = "en") -> str:
    """An answer as words (for the timeline and exports): option labels, yes/no, n/max."""
    if q.type == "single_choice":
        option = q.option(str(value))
        return option.in_(lang) if option else str(value)
    if q.type == "multiple_choice":
        labels = [(q.option(str(v)) or Option(id="x", en=str(v), vi=str(v))) for v in value]
        return ", ".join(o.in_(lang) for o in labels)
    if q.type == "yes_no":
        return ("Có" if value else "Không") if lang == "vi" else ("Yes" if value else "No")
    if q.type in SCALE_RANGES:
        return f"{value}/{SCALE_RANGES[q.type][1]}"
    return str(value)


# --- Summary for staff -----------------------------------------------------------------------


@dataclass
class QuestionSummary:
    question: Question
    answered: int = 0
    counts: list[tuple[str, int]] = field(default_factory=list)  # (label, count)
    mean: float | None = None
    texts: list[str] = field(default_factory=list)


def summarise(
    questions: Sequence[Question], all_answers: Sequence[Mapping[str, Any]], texts_shown: int = 50
) -> list[QuestionSummary]:
    """Per question: how many answered; counts per option (choices, yes/no, scale points);
    the mean of a scale; the latest text answers (newest first, as given)."""
    out: list[QuestionSummary] = []
    for q in questions:
        values = [a[q.id] for a in all_answers if q.id in a]
        summary = QuestionSummary(q, answered=len(values))
        if q.type in CHOICE_TYPES:
            counter: Counter[str] = Counter()
            for v in values:
                counter.update([v] if isinstance(v, str) else [str(x) for x in v])
            summary.counts = [(o.en, counter[o.id]) for o in q.options]
        elif q.type == "yes_no":
            summary.counts = [("Yes", sum(1 for v in values if v)), ("No", values.count(False))]
        elif q.type in SCALE_RANGES:
            low, high = SCALE_RANGES[q.type]
            numbers = [int(v) for v in values if isinstance(v, int)]
            summary.counts = [(str(n), numbers.count(n)) for n in range(low, high + 1)]
            summary.mean = round(sum(numbers) / len(numbers), 2) if numbers else None
        else:
            summary.texts = [str(v) for v in values[:texts_shown]]
        out.append(summary)
    return out
