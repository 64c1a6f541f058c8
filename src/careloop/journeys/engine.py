"""Running an enrollment's steps: from where it is until it has to wait, or ends.

Works on an `EnrollmentState` (a plain copy of the row); the runner writes the result back
under the fence. Every effect a step has carries the key `enr:<enrollment>:<step>`, so a
step re-run after a lost lease is a no-op where it already happened.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from careloop.channels import policy
from careloop.channels.outreach import ContactRequest
from careloop.core.clock import Clock, ensure_aware
from careloop.core.errors import CareloopError
from careloop.core.occasions import occasion_key
from careloop.customers.models import Customer, TimelineEvent
from careloop.journeys import conditions
from careloop.journeys.coupon_limits import coupon_params
from careloop.journeys.effects import Effects
from careloop.journeys.facts import CustomerFacts
from careloop.journeys.occasions import RULE_OCCASION_PASSED, occasion_passed
from careloop.journeys.schema import END, JourneyDef, Step, parse_clock, parse_duration
from careloop.orders.models import Order
from careloop.shops.models import Shop

# Immediate steps (sends, actions, branches) run back to back in one transaction, up to this
# many, so a loop in a definition cannot hold a worker forever.
MAX_STEPS_PER_RUN = 25
# A wait counted from delivery looks again this often (an order.delivered event also wakes it)
# and, with no delivery this long after the trigger, counts from the trigger instead.
DELIVERY_RECHECK = timedelta(hours=12)
DELIVERY_WAIT_LIMIT = timedelta(days=30)


@dataclass
class EnrollmentState:
    id: int
    journey_key: str
    step_id: str | None
    status: str
    due_at: datetime | None
    context: dict[str, Any]
    exit_reason: str | None = None
    steps_run: int = 0
    finished: bool = field(default=False)


def idempotency_key(enrollment_id: int, step_id: str) -> str:
    return f"enr:{enrollment_id}:{step_id}"


@dataclass
class StepRunner:
    session: Session
    clock: Clock
    shop: Shop
    customer: Customer
    journey: JourneyDef
    effects: Effects
    contact_policy: policy.ContactPolicy
    # channel -> state, when the caller read them for a whole batch; None: read here.
    consents: Mapping[str, str] | None = None

    def run(self, state: EnrollmentState) -> EnrollmentState:
        """Advance `state` as far as it can go now; returns the new state."""
        state = replace(state, context=copy.deepcopy(state.context))
        now = self.clock.now()
        while state.steps_run < MAX_STEPS_PER_RUN:
            if state.step_id is None or state.step_id == END:
                return self._finish(state, "done", None)
            step = self.journey.step(state.step_id)
            state.due_at = now  # a step that must wait sets a later time
            target = self._run_step(step, state, now)
            state.steps_run += 1
            if state.finished:
                return state
            if target is None:  # stays on this step until due_at
                state.status = "waiting"
                return state
            state.step_id = target
            if state.due_at is not None and state.due_at > now:
                state.status = "waiting"
                return state
        state.status = "active"
        return state

    def _undoable(self) -> AbstractContextManager[object]:
        """A savepoint around one effect, so a failed one leaves none of its rows behind;
        effects that write nothing (the dry run) need none."""
        return self.session.begin_nested() if self.effects.writes else nullcontext()

    def _finish(self, state: EnrollmentState, status: str, reason: str | None) -> EnrollmentState:
        state.status, state.exit_reason, state.finished = status, reason, True
        state.step_id, state.due_at = END if status == "done" else state.step_id, None
        return state

    def _run_step(self, step: Step, state: EnrollmentState, now: datetime) -> str | None:
        """Run one step; the id of the step to go to, or None to stay (waiting)."""
        if self._passed_over(step):
            return self.journey.after(step)
        kind = step.kind
        if kind == "send":
            return self._send(step, state, now)
        if kind == "wait":
            until = self._wait_until(step, state, now)
            if until is None:  # counted from a delivery that has not happened yet
                state.due_at = now + DELIVERY_RECHECK
                return None
            state.due_at = until
            self.effects.note(self.journey.key, step.id, "waited")
            return self.journey.after(step)
        if kind == "wait_for":
            return self._wait_for(step, state, now)
        if kind == "branch":
            return self._branch(step, state, now)
        if kind == "exit":
            assert step.exit is not None
            self.effects.note(self.journey.key, step.id, "exited")
            self._finish(state, "exited", step.exit.reason)
            return None
        if kind == "add_tag":
            self._add_tag(step, now)
            return self.journey.after(step)
        return self._action(step, state, now)

    def _passed_over(self, step: Step) -> bool:
        """A step the owner switched off, or a wait for the opening of a message switched
        off (its reminder would follow a message never sent)."""
        if step.off:
            return True
        watched = step.wait_for.step if step.wait_for is not None else None
        return watched is not None and bool(self.journey.step(watched).off)

    # -- send ---------------------------------------------------------------------------

    def _send(self, step: Step, state: EnrollmentState, now: datetime) -> str | None:
        spec = step.send
        assert spec is not None
        outreach = self.effects.outreach(
            self.session,
            self.clock,
            rules=self.contact_policy,
            consents=None if self.consents is None else {self.customer.id: self.consents},
        )
        request = ContactRequest(
            shop=self.shop,
            customer=self.customer,
            template_key=spec.template,
            kind=spec.kind,
            idempotency_key=idempotency_key(state.id, step.id),
            context=self._message_context(state),
            channels=spec.channel_list(),
            journey_key=self.journey.key,
            step_key=step.id,
            enrollment_id=state.id,
        )
        if spec.kind != "transactional" and occasion_passed(state.context, self._local(now).date()):
            # "Còn -2 ngày nữa là sinh nhật bạn" is never sent: the occasion is over.
            outreach.not_sent(request, RULE_OCCASION_PASSED)
            self.effects.note(self.journey.key, step.id, "suppressed", RULE_OCCASION_PASSED)
            return self.journey.after(step)
        outcome = outreach.contact(request)
        if outcome.status == "deferred":
            assert outcome.until is not None
            self.effects.note(self.journey.key, step.id, "deferred", outcome.rule or "")
            state.due_at = outcome.until
            return None
        if outcome.status == "suppressed":
            self.effects.note(self.journey.key, step.id, "suppressed", outcome.rule or "")
            return self.journey.after(step)
        if outcome.message_id is not None:
            state.context.setdefault("messages", {})[step.id] = outcome.message_id
        self.effects.note(self.journey.key, step.id, "sent", "+".join(outcome.channels))
        return self.journey.after(step)

    def _message_context(self, state: EnrollmentState) -> dict[str, Any]:
        ctx = state.context
        out: dict[str, Any] = {
            k: v for k, v in ctx.items() if k not in ("messages", "waits", "event", "errors")
        }
        if "coupon" in ctx:
            out["coupon"] = ctx["coupon"]
        if isinstance(ctx.get("event"), dict):
            # The trigger event's payload: templates say `trigger.points`, `trigger.score`...
            out["trigger"] = ctx["event"]
        return out

    # -- waits ----------------------------------------------------------------------------

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(policy.zone(self.customer.timezone or self.shop.timezone))

    def _wait_until(self, step: Step, state: EnrollmentState, now: datetime) -> datetime | None:
        """When the wait ends; None while it counts from a delivery still to come."""
        spec = step.wait
        assert spec is not None
        if spec.duration is not None:
            return now + parse_duration(spec.duration)
        if spec.until_day is not None:
            anchor = ensure_aware(
                datetime.fromisoformat(state.context.get("anchor", now.isoformat()))
            )
            if spec.counted_from == "delivery":
                delivered = self._delivered_at(state)
                if delivered is None and now < anchor + DELIVERY_WAIT_LIMIT:
                    return None
                # Never delivered as far as we know: count from the trigger after all.
                anchor = delivered or anchor
            target = anchor + timedelta(days=spec.until_day)
            if spec.at is not None:
                hour, minute = parse_clock(spec.at)
                local = self._local(target)
                target = datetime.combine(local.date(), time(hour, minute), tzinfo=local.tzinfo)
            return max(target.astimezone(now.tzinfo), now)
        assert spec.window is not None
        start, end = (time(*parse_clock(spec.window.start)), time(*parse_clock(spec.window.end)))
        local = self._local(now)
        if policy.in_quiet_hours(local.time(), start, end):  # "inside [start, end)"
            return now
        return policy.next_local_time(now, policy.zone(str(local.tzinfo)), start)

    def _delivered_at(self, state: EnrollmentState) -> datetime | None:
        ref = state.context.get("order_id")
        if ref is None:
            return None
        delivered = self.session.scalar(
            select(Order.delivered_at).where(
                Order.shop_id == self.shop.id,
                Order.customer_id == self.customer.id,
                Order.external_id == str(ref),
            )
        )
        return None if delivered is None else ensure_aware(delivered)

    def _wait_for(self, step: Step, state: EnrollmentState, now: datetime) -> str | None:
        spec = step.wait_for
        assert spec is not None
        waits = state.context.setdefault("waits", {})
        started = waits.get(step.id)
        if started is None:
            started = now.isoformat()
            waits[step.id] = started
        start = ensure_aware(datetime.fromisoformat(started))
        message_id: int | None = None
        if spec.step is not None:
            message_id = state.context.get("messages", {}).get(spec.step)
            if message_id is None:
                # The watched message never went out: nothing to wait for.
                self.effects.note(self.journey.key, step.id, "otherwise", "not sent")
                return spec.otherwise
        if message_id is not None:
            key = ":".join(
                str(part)
                for part in (
                    self.customer.external_id,  # not the row id: the same on every database
                    self.journey.key,
                    state.context.get("order_id") or state.context.get("event_id") or "",
                    step.id,
                )
            )
            simulated = self.effects.engagement(message_id, spec.event, key)
            if simulated:
                self.effects.note(self.journey.key, step.id, "matched", f"{spec.event} (assumed)")
                return self.journey.after(step)
        if self._event_seen(spec.event, spec.where, start, now, message_id):
            self.effects.note(self.journey.key, step.id, "matched", spec.event)
            return self.journey.after(step)
        deadline = start + parse_duration(spec.within)
        if now >= deadline:
            self.effects.note(self.journey.key, step.id, "otherwise", "timed out")
            return spec.otherwise
        state.due_at = deadline
        return None

    def _event_seen(
        self,
        type_: str,
        where: Any,
        start: datetime,
        now: datetime,
        message_id: int | None,
    ) -> bool:
        rows = self.session.scalars(
            select(TimelineEvent).where(
                TimelineEvent.shop_id == self.shop.id,
                TimelineEvent.customer_id == self.customer.id,
                TimelineEvent.type == type_,
                TimelineEvent.occurred_at >= start,
                TimelineEvent.occurred_at <= now,
            )
        )
        for event in rows:
            payload = event.payload or {}
            if message_id is not None and payload.get("message_id") != message_id:
                continue
            if payload.get("machine"):
                continue  # a privacy proxy fetched the pixel; nobody read the message
            facts = CustomerFacts(
                session=self.session, customer=self.customer, now=now, context={"event": payload}
            )
            if conditions.holds(where, facts):
                return True
        return False

    # -- branch and actions ------------------------------------------------------------------

    def _branch(self, step: Step, state: EnrollmentState, now: datetime) -> str:
        spec = step.branch
        assert spec is not None
        facts = CustomerFacts(
            session=self.session, customer=self.customer, now=now, context=state.context
        )
        for i, case in enumerate(spec.cases):
            if conditions.holds(case.if_, facts):
                self.effects.note(self.journey.key, step.id, f"case {i + 1}", case.goto)
                return case.goto
        self.effects.note(self.journey.key, step.id, "else", spec.else_)
        return spec.else_

    def _add_tag(self, step: Step, now: datetime) -> None:
        assert step.add_tag is not None
        tags = list(self.customer.tags or [])
        if step.add_tag.tag not in tags:
            self.customer.tags = [*tags, step.add_tag.tag]
            self.customer.updated_at = now
        self.effects.note(self.journey.key, step.id, "tagged", step.add_tag.tag)

    def _action(self, step: Step, state: EnrollmentState, now: datetime) -> str:
        name = step.kind
        spec = getattr(step, name)
        params: dict[str, Any] = spec.model_dump(by_alias=False)
        if name == "create_task":
            params = {
                "kind": params["kind"],
                "title": params["title"],
                "body": params["body"],
                "due_at": now + parse_duration(params["due_in"]),
                "assignee_rule": params["assignee"],
                "source": f"journey:{self.journey.key}",
            }
        try:
            if name == "issue_coupon":
                params = coupon_params(self.session, self.shop.id, params, state.context)
            with self._undoable():
                result = self.effects.action(
                    self.session,
                    self.clock,
                    name,
                    self.shop,
                    self.customer,
                    params,
                    self._action_key(name, state, step),
                )
        except CareloopError as exc:
            # The capability refused (e.g. no loyalty program): same, with its reason.
            return self._skip(step, state, str(exc)[:300])
        if name == "issue_coupon":
            state.context["coupon"] = result
        state.context.setdefault("actions", {})[step.id] = {
            k: v for k, v in result.items() if isinstance(v, str | int | float | bool)
        }
        self.effects.note(self.journey.key, step.id, "done", name)
        return self.journey.after(step)

    def _action_key(self, name: str, state: EnrollmentState, step: Step) -> str:
        """The step's own key; a coupon for an occasion (birthday, anniversary) takes the
        occasion's key, shared with the loyalty programme, so one occasion gives one coupon."""
        occasion = state.context.get("occasion")
        if name == "issue_coupon" and isinstance(occasion, dict):
            try:
                return occasion_key(occasion["kind"], self.customer.id, int(occasion["year"]))
            except (KeyError, TypeError, ValueError):
                pass  # an enrollment from before occasions were keyed: its own key
        return idempotency_key(state.id, step.id)

    def _skip(self, step: Step, state: EnrollmentState, reason: str) -> str:
        state.context.setdefault("skipped", {})[step.id] = reason
        self.effects.note(self.journey.key, step.id, "skipped", reason)
        return self.journey.after(step)
