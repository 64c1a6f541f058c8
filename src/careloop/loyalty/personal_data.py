"""What loyalty holds about a person: their tier, points ledger (with its notes), coupons,
redemptions, privileges and referrals. Points and amounts stay (a balance is a sum)."""

from __future__ import annotations

from sqlalchemy import or_, select

from careloop.core.personal_data import PersonalData, customer_link, note_if_pending, stop_pending
from careloop.loyalty.models import (
    Coupon,
    CouponRedemption,
    Entitlement,
    LoyaltyMember,
    PointsEntry,
    Referral,
    StoreAction,
)
from careloop.loyalty.store_actions import DUE as STORE_ACTIONS_DUE

MEMBERS = PersonalData(
    name="loyalty_member",
    table=LoyaltyMember.__table__,  # type: ignore[arg-type]
    label={"en": "Loyalty tier", "vi": "Hạng thành viên"},
    rows=customer_link(LoyaltyMember.customer_id),
    kept={"tier": "a tier name"},
)

LEDGER = PersonalData(
    name="points",
    table=PointsEntry.__table__,  # type: ignore[arg-type]
    label={"en": "Points", "vi": "Điểm thưởng"},
    rows=customer_link(PointsEntry.customer_id),
    scrub=("reason",),
    rekey=("idempotency_key",),
    kept={
        "kind": "a ledger entry kind",
        "order_ref": "the shop's order number",
        "actor": "the staff member who adjusted (not the customer)",
    },
)

COUPONS = PersonalData(
    name="coupons",
    table=Coupon.__table__,  # type: ignore[arg-type]
    label={"en": "Coupons", "vi": "Mã giảm giá"},
    rows=customer_link(Coupon.customer_id),
    # store_error: the store's answer, which may quote the customer's email.
    scrub=("reason", "store_error"),
    rekey=("idempotency_key",),
    kept={
        "code": "a random code; orders' discount codes refer to it",
        "kind": "percent, fixed or free shipping",
        "currency": "a currency code",
        "source": "what issued it",
        "product_skus": "the shop's product codes the coupon is limited to",
        "categories": "the shop's product categories the coupon is limited to",
        "store_status": "a sync state word",
        "store_platform": "a platform name",
        "store_ref": "the store's numeric id of the code",
    },
)

REDEMPTIONS = PersonalData(
    name="coupon_redemptions",
    table=CouponRedemption.__table__,  # type: ignore[arg-type]
    label={"en": "Coupon uses", "vi": "Lượt dùng mã"},
    rows=lambda person: or_(
        CouponRedemption.customer_id.in_(person.customer_ids),
        CouponRedemption.coupon_id.in_(
            select(Coupon.id).where(Coupon.customer_id.in_(person.customer_ids))
        ),
    ),
    rekey=("idempotency_key",),
    kept={"order_ref": "the shop's order number", "source": "where it was redeemed"},
)

ENTITLEMENTS = PersonalData(
    name="entitlements",
    table=Entitlement.__table__,  # type: ignore[arg-type]
    label={"en": "Privileges", "vi": "Đặc quyền"},
    rows=customer_link(Entitlement.customer_id),
    rekey=("idempotency_key",),
    kept={"key": "a privilege name", "source": "what granted it"},
)

REFERRALS = PersonalData(
    name="referrals",
    table=Referral.__table__,  # type: ignore[arg-type]
    label={"en": "Referrals", "vi": "Giới thiệu bạn bè"},
    rows=lambda person: or_(
        Referral.advocate_id.in_(person.customer_ids),
        Referral.friend_id.in_(person.customer_ids),
    ),
    scrub=("hold_reasons",),
    kept={
        "code": "the advocate's random referral code",
        "status": "a referral state word",
        "order_ref": "the shop's order number",
        "reviewed_by": "the staff member who reviewed it",
    },
)

STORE_ACTIONS = PersonalData(
    name="store_actions",
    table=StoreAction.__table__,  # type: ignore[arg-type]
    label={"en": "Store actions for privileges", "vi": "Việc cần làm trên cửa hàng cho đặc quyền"},
    rows=customer_link(StoreAction.customer_id),
    # Work not yet done in the store stops: nothing more is done for an erased person.
    blank={
        "status": stop_pending(STORE_ACTIONS_DUE, "stopped"),
        "next_at": None,
        "error": note_if_pending("error", STORE_ACTIONS_DUE, "customer erased"),
    },
    # error: the store's answer, which may quote the customer.
    scrub=("error",),
    rekey=("idempotency_key",),
    kept={
        "action": "what the store is asked to do",
        "entitlement": "a privilege name",
        "value": "a tag or rule name",
        "note": "the store platform's name",
        "attempts": "a retry count",
    },
)

DECLARATIONS = (
    MEMBERS,
    LEDGER,
    COUPONS,
    REDEMPTIONS,
    ENTITLEMENTS,
    REFERRALS,
    STORE_ACTIONS,
)
