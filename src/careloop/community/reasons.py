"""Why the community services refuse something, each reason with a stable code: the API and
CLI show the English text (as before), the staff pages show it in their own language.

A service raises `invalid(field, code, **params)` inside ValidationFailed, or
`Refused(code, **params)` (a Conflict). The texts are the catalogue's messages
`community.reason.<code>` (locale/), and the pages translate them (ui_forms.explain)."""

from __future__ import annotations

from dataclasses import dataclass

from careloop.channels.template_checks import TEXTS as TEMPLATE_TEXTS
from careloop.core.catalogue import catalogue_pairs
from careloop.core.errors import Conflict, FieldError

PREFIX = "community.reason."

REASONS: dict[str, dict[str, str]] = catalogue_pairs("community.reasons.reasons")


# Template checks (channels/template_checks.py) as campaign reasons: "template_<code>".
REASONS.update({f"template_{code}": texts for code, texts in TEMPLATE_TEXTS.items()})


@dataclass(frozen=True)
class CodedFieldError(FieldError):
    """A FieldError whose reason (in English) also has a code and its parameters."""

    code: str = ""
    params: tuple[tuple[str, str], ...] = ()


class Refused(Conflict):
    """A Conflict with a coded reason (e.g. a sent campaign cannot change)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = _texts(params)
        super().__init__(english(code, self.params))


def invalid(field: str, code: str, **params: object) -> FieldError:
    texts = _texts(params)
    return CodedFieldError(field, english(code, texts), code=code, params=tuple(texts.items()))


def _texts(params: dict[str, object]) -> dict[str, str]:
    return {key: str(value) for key, value in params.items()}


def english(code: str, params: dict[str, str]) -> str:
    return REASONS[code]["en"].format(**params)
