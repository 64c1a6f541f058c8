"""The registry of timeline event types. Events are past tense; each has a human label.

Everything that happens to a customer is one of these, on their timeline; journeys trigger on them.
"""

from __future__ import annotations

from typing import Final

ORDER_PLACED: Final = "order.placed"
ORDER_PAID: Final = "order.paid"
ORDER_SHIPPED: Final = "order.shipped"
ORDER_DELIVERED: Final = "order.delivered"
ORDER_RETURNED: Final = "order.returned"
ORDER_CANCELLED: Final = "order.cancelled"
CUSTOMER_CREATED: Final = "customer.created"
CUSTOMER_UPDATED: Final = "customer.updated"
CONSENT_CHANGED: Final = "consent.changed"
MESSAGE_QUEUED: Final = "message.queued"
MESSAGE_SENT: Final = "message.sent"
MESSAGE_DELIVERED: Final = "message.delivered"
MESSAGE_OPENED: Final = "message.opened"
MESSAGE_CLICKED: Final = "message.clicked"
MESSAGE_FAILED: Final = "message.failed"
MESSAGE_SUPPRESSED: Final = "message.suppressed"
MESSAGE_REPLIED: Final = "message.replied"
MESSAGE_DEFERRED: Final = "message.deferred"
MESSAGE_MAYBE_SENT: Final = "message.maybe_sent"
SURVEY_ANSWERED: Final = "survey.answered"
REVIEW_POSTED: Final = "review.posted"
REVIEW_RESPONDED: Final = "review.responded"
SURVEY_DETAILS: Final = "survey.details"
REVIEW_UPDATED: Final = "review.updated"
REVIEW_REQUESTED: Final = "review.requested"
TICKET_OPENED: Final = "ticket.opened"
TICKET_ANSWERED: Final = "ticket.answered"
TICKET_RESOLVED: Final = "ticket.resolved"
TICKET_REOPENED: Final = "ticket.reopened"
TICKET_SLA_BREACHED: Final = "ticket.sla_breached"
POINTS_EARNED: Final = "points.earned"
POINTS_REDEEMED: Final = "points.redeemed"
POINTS_EXPIRED: Final = "points.expired"
POINTS_EXPIRING: Final = "points.expiring"
POINTS_REVERSED: Final = "points.reversed"
POINTS_ADJUSTED: Final = "points.adjusted"
COUPON_ISSUED: Final = "coupon.issued"
COUPON_REDEEMED: Final = "coupon.redeemed"
REWARD_REDEEMED: Final = "reward.redeemed"
REFERRAL_RECORDED: Final = "referral.recorded"
REFERRAL_HELD: Final = "referral.held"
REFERRAL_CONVERTED: Final = "referral.converted"
REFERRAL_CANCELLED: Final = "referral.cancelled"
SEGMENT_ENTERED: Final = "segment.entered"
SEGMENT_LEFT: Final = "segment.left"
TIER_CHANGED: Final = "tier.changed"
NOTE_ADDED: Final = "note.added"
COMMUNITY_JOINED: Final = "community.joined"
COMMUNITY_LEFT: Final = "community.left"
COMMUNITY_ACTIVITY: Final = "community.activity"
UGC_RECORDED: Final = "ugc.recorded"
AMBASSADOR_NAMED: Final = "ambassador.named"
AMBASSADOR_REMOVED: Final = "ambassador.removed"
EVENT_REGISTERED: Final = "event.registered"
EVENT_WAITLISTED: Final = "event.waitlisted"
EVENT_PROMOTED: Final = "event.promoted"
EVENT_RSVP_CANCELLED: Final = "event.rsvp_cancelled"
EVENT_ATTENDED: Final = "event.attended"
EVENT_CANCELLED: Final = "event.cancelled"
EARLY_ACCESS_INVITED: Final = "early_access.invited"
EARLY_ACCESS_OPENED: Final = "early_access.opened"
EARLY_ACCESS_CLAIMED: Final = "early_access.claimed"
EARLY_ACCESS_BOUGHT: Final = "early_access.bought"
# What loyalty tells the customer (the loyalty_messages playbook sends them): one event per
# thing worth a message, with the facts the message needs.
LOYALTY_POINTS_EARNED: Final = "loyalty.points_earned"
LOYALTY_TIER_CHANGED: Final = "loyalty.tier_changed"
LOYALTY_REFERRAL_REWARDED: Final = "loyalty.referral_rewarded"
LOYALTY_REPEAT_DISCOUNT: Final = "loyalty.repeat_discount"
LOYALTY_REWARD_CODE: Final = "loyalty.reward_code"

LABELS: Final[dict[str, str]] = {
    ORDER_PLACED: "Order placed",
    ORDER_PAID: "Order paid",
    ORDER_SHIPPED: "Order shipped",
    ORDER_DELIVERED: "Order delivered",
    ORDER_RETURNED: "Order returned",
    ORDER_CANCELLED: "Order cancelled",
    CUSTOMER_CREATED: "Became a customer",
    CUSTOMER_UPDATED: "Profile updated",
    CONSENT_CHANGED: "Consent changed",
    MESSAGE_QUEUED: "Message queued",
    MESSAGE_SENT: "Message sent",
    MESSAGE_DELIVERED: "Message delivered",
    MESSAGE_OPENED: "Message opened",
    MESSAGE_CLICKED: "Link clicked",
    MESSAGE_FAILED: "Message failed",
    MESSAGE_SUPPRESSED: "Message suppressed",
    MESSAGE_REPLIED: "Message replied to",
    MESSAGE_DEFERRED: "Message deferred",
    MESSAGE_MAYBE_SENT: "Message may have been sent (check before resending)",
    SURVEY_ANSWERED: "Survey answered",
    REVIEW_POSTED: "Review posted",
    REVIEW_RESPONDED: "Public reply to review posted",
    SURVEY_DETAILS: "Survey questions answered",
    REVIEW_UPDATED: "Review updated",
    REVIEW_REQUESTED: "Review requested",
    TICKET_OPENED: "Ticket opened",
    TICKET_ANSWERED: "Ticket answered",
    TICKET_RESOLVED: "Ticket resolved",
    TICKET_REOPENED: "Ticket reopened",
    TICKET_SLA_BREACHED: "Ticket missed its SLA",
    POINTS_EARNED: "Points earned",
    POINTS_REDEEMED: "Points redeemed",
    POINTS_EXPIRED: "Points expired",
    POINTS_EXPIRING: "Points about to expire",
    POINTS_REVERSED: "Points reversed",
    POINTS_ADJUSTED: "Points adjusted by staff",
    COUPON_ISSUED: "Coupon issued",
    COUPON_REDEEMED: "Coupon redeemed",
    REWARD_REDEEMED: "Reward redeemed",
    REFERRAL_RECORDED: "Referred a friend",
    REFERRAL_HELD: "Referral held for review",
    REFERRAL_CONVERTED: "Referral converted",
    REFERRAL_CANCELLED: "Referral cancelled",
    SEGMENT_ENTERED: "Entered segment",
    SEGMENT_LEFT: "Left segment",
    TIER_CHANGED: "Tier changed",
    NOTE_ADDED: "Note added",
    COMMUNITY_JOINED: "Joined a community group",
    COMMUNITY_LEFT: "Left a community group",
    COMMUNITY_ACTIVITY: "Active in a community group",
    UGC_RECORDED: "Shared a photo or story",
    AMBASSADOR_NAMED: "Named a Diamond Member",
    AMBASSADOR_REMOVED: "No longer a Diamond Member",
    EVENT_REGISTERED: "Registered for an event",
    EVENT_WAITLISTED: "On an event waitlist",
    EVENT_PROMOTED: "Got a seat from the waitlist",
    EVENT_RSVP_CANCELLED: "Cancelled an event seat",
    EVENT_ATTENDED: "Attended an event",
    EVENT_CANCELLED: "An event they signed up for was cancelled",
    EARLY_ACCESS_INVITED: "Invited to early access",
    EARLY_ACCESS_OPENED: "Opened an early-access invitation",
    EARLY_ACCESS_CLAIMED: "Claimed early access",
    EARLY_ACCESS_BOUGHT: "Bought a launch product",
    LOYALTY_POINTS_EARNED: "Points earned on an order (news for the customer)",
    LOYALTY_TIER_CHANGED: "Tier changed (news for the customer)",
    LOYALTY_REFERRAL_REWARDED: "Referral reward (news for the customer)",
    LOYALTY_REPEAT_DISCOUNT: "Discount offered for the next order",
    LOYALTY_REWARD_CODE: "Redeemed points for a code on their loyalty page",
}


def label(event_type: str) -> str:
    """Human label of an event type; custom types ("app.something") show as themselves."""
    return LABELS.get(event_type, event_type)


def is_valid_type(event_type: str) -> bool:
    """Known types, or custom dotted names such as `app.wishlist_added` sent by a shop."""
    if event_type in LABELS:
        return True
    parts = event_type.split(".")
    return len(parts) >= 2 and all(p and p.replace("_", "").isalnum() for p in parts)
