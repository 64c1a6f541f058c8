"""The customer's survey pages behind the signed link in a message: one tap records the
score, then an optional "why?" in the customer's language.

The score link is fetched by people and by link scanners alike, so GET never records: it
renders a page whose form submits itself (one tap for a person; a scanner that runs no
script records nothing), with a button as the fallback."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.context import AppContext
from careloop.core.catalogue import catalogue_texts
from careloop.core.errors import CareloopError
from careloop.customers.models import Customer
from careloop.feedback import rules, surveys
from careloop.feedback.models import Survey, SurveyResponse
from careloop.feedback.service import record_response, reward_code
from careloop.feedback.survey_store import record_answers, survey_for
from careloop.shops.models import Shop
from careloop.web.deps import Ctx, SessionDep

router = APIRouter(prefix="/survey", include_in_schema=False)
PAGES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
)
# After answering, the comment page stays open this long (a link is answered once).
COMMENT_WINDOW = timedelta(days=2)
TEXTS: dict[str, dict[str, str]] = catalogue_texts("feedback.web.texts")


class _Link:
    """What a survey token says, checked: shop, customer, kind, message, expiry."""

    def __init__(self, ctx: AppContext, session: Session, token: str) -> None:
        from careloop.channels import links

        self.valid = False
        self.shop: Shop | None = None
        self.customer: Customer | None = None
        try:
            data = links.verify(ctx.secret_key, "survey", token)
        except links.BadLink:
            return
        self.shop = session.get(Shop, int(data.get("s", 0)))
        self.customer = session.get(Customer, int(data.get("c", 0)))
        if self.shop is None or self.customer is None or self.customer.shop_id != self.shop.id:
            return
        self.message_id: int | None = data.get("m")
        self.channel: str | None = data.get("ch")
        self.kind = str(data.get("k") or "nps")
        self.order: str | None = data.get("o")
        self.survey_key: str | None = data.get("q")
        issued = self._issued(session, data)
        if issued is None or ctx.clock.now() > issued + rules.SURVEY_LINK_VALID:
            return
        self.key = f"message:{self.message_id}" if self.message_id else f"link:{token[-40:]}"
        self.valid = True

    def _issued(self, session: Session, data: dict[str, Any]) -> Any:
        if self.message_id:
            from careloop.channels.models import Message

            message = session.get(Message, int(self.message_id))
            if message is None or message.shop_id != self.shop.id:  # type: ignore[union-attr]
                return None
            if "csat" in message.template_key:
                self.kind = "csat"
            return message.created_at
        from datetime import UTC, datetime

        return datetime.fromtimestamp(int(data.get("t", 0)), UTC)

    @property
    def lang(self) -> str:
        # An expired link still speaks the customer's language (its signature was good).
        locale = (self.customer.locale if self.customer else None) or "vi"
        return "vi" if locale.startswith("vi") else "en"


def _page(
    link: _Link,
    state: str,
    action: str = "",
    score: int | None = None,
    questions: list[dict[str, Any]] | None = None,
    problems: bool = False,
    reward: str | None = None,
) -> HTMLResponse:
    lang = link.lang
    low, high = rules.SCALES.get(link.kind if link.valid else "nps", (0, 10))
    html = PAGES.get_template("survey.html").render(
        lang=lang,
        t=TEXTS[lang],
        shop_name=link.shop.name if link.valid and link.shop else "",
        kind=link.kind if link.valid else "nps",
        scores=range(low, high + 1),
        state=state,
        action=action,
        score=score,
        questions=questions or [],
        problems=problems,
        reward=reward,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "X-Robots-Tag": "noindex"})


def _answered(session: Session, link: _Link) -> SurveyResponse | None:
    shop_id = link.shop.id if link.shop else 0
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.shop_id == shop_id, SurveyResponse.response_key == link.key
        )
    )


@router.get("/{token}")
def survey_page(token: str, request: Request, session: SessionDep, ctx: Ctx) -> Response:
    link = _Link(ctx, session, token)
    if not link.valid:
        return _page(link, "expired")
    answered = _answered(session, link)
    if answered is not None:
        return _after_answer(session, link, answered, token, ctx)
    raw = request.query_params.get("score")
    if raw is not None and raw.isdigit() and rules.check_score(link.kind, int(raw)) is None:
        return _page(link, "confirm", action=f"/survey/{token}", score=int(raw))
    return _page(link, "ask", action=f"/survey/{token}")


def _survey(session: Session, link: _Link, answered: SurveyResponse | None) -> Survey | None:
    assert link.shop is not None
    key = (answered.survey_key if answered else None) or link.survey_key
    return survey_for(session, link.shop.id, link.kind, key)


def question_fields(
    survey: Survey | None,
    lang: str,
    errors: dict[str, str] | None = None,
    given: dict[str, list[str]] | None = None,
) -> list[dict[str, Any]]:
    """The custom questions as the page shows them, with any refused answer marked."""
    if survey is None:
        return []
    out = []
    for q in surveys.load_questions(survey.questions):
        low, high = surveys.SCALE_RANGES.get(q.type, (0, 0))
        out.append(
            {
                "id": q.id,
                "type": q.type,
                "text": q.text.in_(lang),
                "required": q.required,
                "options": [(o.id, o.in_(lang)) for o in q.options],
                "scale": range(low, high + 1),
                "error": (errors or {}).get(q.id),
                "given": (given or {}).get(f"q_{q.id}", []),
            }
        )
    return out


def _after_answer(
    session: Session, link: _Link, answered: SurveyResponse, token: str, ctx: AppContext
) -> Response:
    """The follow-up page (custom questions and "why?") until it is answered or the window
    closes; then thanks."""
    follow_up_open = ctx.clock.now() < answered.created_at + COMMENT_WINDOW
    reward = reward_code(session, answered.shop_id, answered.response_key)
    if not answered.comment and not answered.answers and follow_up_open:
        fields = question_fields(_survey(session, link, answered), link.lang)
        return _page(
            link, "comment", action=f"/survey/{token}/comment", questions=fields, reward=reward
        )
    return _page(link, "done", reward=reward)


@router.post("/{token}")
def survey_answer(token: str, session: SessionDep, ctx: Ctx, score: int = Form(...)) -> Response:
    link = _Link(ctx, session, token)
    if not link.valid:
        return _page(link, "expired")
    assert link.shop is not None and link.customer is not None
    try:
        response, created = record_response(
            session=session,
            clock=ctx.clock,
            shop=link.shop,
            customer_id=link.customer.id,
            kind=link.kind,
            score=score,
            response_key=link.key,
            source="link",
            order_external_id=link.order,
            message_id=link.message_id,
            channel=link.channel,
        )
    except CareloopError:
        return _page(link, "ask", action=f"/survey/{token}")
    if created:
        survey = _survey(session, link, None)
        response.survey_key = survey.key if survey else None
    return RedirectResponse(f"/survey/{token}", status_code=303)


@router.post("/{token}/comment")
async def survey_comment(token: str, request: Request, session: SessionDep, ctx: Ctx) -> Response:
    """The follow-up form: custom answers (`q_<id>`) and the "why?" comment, kept once;
    a refused answer shows the form again with the reason, and nothing is stored."""
    link = _Link(ctx, session, token)
    if not link.valid:
        return _page(link, "expired")
    assert link.shop is not None
    answered = _answered(session, link)
    if answered is None:
        return _page(link, "ask", action=f"/survey/{token}")
    if answered.comment or answered.answers:
        return _page(link, "done")
    if ctx.clock.now() >= answered.created_at + COMMENT_WINDOW:
        return _page(link, "done")  # the follow-up page closed: late words are not kept
    form = await request.form()
    given = {str(k): [str(v) for v in form.getlist(k)] for k in form}
    survey = _survey(session, link, answered)
    questions = surveys.load_questions(survey.questions) if survey else []
    checked = surveys.check_answers(questions, given, link.lang)
    if checked.errors:
        fields = question_fields(survey, link.lang, checked.errors, given)
        page = _page(link, "comment", f"/survey/{token}/comment", questions=fields, problems=True)
        page.status_code = 422
        return page
    record_answers(
        session=session,
        clock=ctx.clock,
        shop=link.shop,
        response=answered,
        survey=survey,
        answers=checked.answers,
        comment=str(form.get("comment") or ""),
        lang=link.lang,
    )
    return _page(link, "done", reward=reward_code(session, link.shop.id, answered.response_key))


def survey_url(
    ctx: AppContext,
    *,
    shop_id: int,
    customer_id: int,
    kind: str,
    order: str | None = None,
    survey: str | None = None,
) -> str:
    """A survey link not tied to a message (staff or API asks): carries its own issue time."""
    from careloop.channels import links

    payload: dict[str, Any] = {
        "s": shop_id,
        "c": customer_id,
        "k": kind,
        "t": int(ctx.clock.now().timestamp()),
    }
    if order:
        payload["o"] = order
    if survey:
        payload["q"] = survey
    return links.url(ctx.settings.base_url, ctx.secret_key, "survey", payload)
