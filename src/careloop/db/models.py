"""Imports every capability's tables so metadata (and Alembic) sees them all."""

from careloop.alerts.models import StaffAlert
from careloop.audit.models import AuditEntry
from careloop.channels.models import (
    ChannelSettings,
    ChannelThrottle,
    ContactPreference,
    Message,
    MessageStatusHistory,
    MessageTemplate,
    Suppression,
)
from careloop.community.models import (
    Ambassador,
    Campaign,
    CommunityEvent,
    CommunityGroup,
    CommunitySend,
    GroupMember,
    Launch,
    LaunchInvite,
    Rsvp,
    UgcEntry,
)
from careloop.connectors.models import Connector, WebhookDelivery
from careloop.customers.event_feed import TimelineCursor
from careloop.customers.models import Consent, Customer, CustomerIdentity, TimelineEvent
from careloop.db.base import Base
from careloop.db.secrets import InstanceSecret
from careloop.feedback.models import (
    Review,
    ReviewRequest,
    Survey,
    SurveyResponse,
)
from careloop.journeys.models import Journey, JourneyEnrollment, JourneyScan
from careloop.loyalty.models import (
    Coupon,
    CouponRedemption,
    Entitlement,
    LoyaltyMember,
    LoyaltyProgram,
    PointsEntry,
    Referral,
)
from careloop.metrics.models import MetricSnapshot
from careloop.orders.models import Order, OrderLine, Product
from careloop.segments.models import CustomerSegment, SegmentChange, SegmentRun
from careloop.shops.models import (
    ApiKey,
    Membership,
    Shop,
    StaffInvitation,
    StaffSession,
    StaffUser,
)
from careloop.support.models import (
    SlaPolicyRow,
    StaffTask,
    Ticket,
    TicketEventRow,
    TicketMessage,
)

__all__ = [
    "Ambassador",
    "ApiKey",
    "AuditEntry",
    "Base",
    "Campaign",
    "ChannelSettings",
    "ChannelThrottle",
    "CommunityEvent",
    "CommunityGroup",
    "CommunitySend",
    "Connector",
    "Consent",
    "ContactPreference",
    "Coupon",
    "CouponRedemption",
    "Customer",
    "CustomerIdentity",
    "CustomerSegment",
    "Entitlement",
    "GroupMember",
    "InstanceSecret",
    "Journey",
    "JourneyEnrollment",
    "JourneyScan",
    "Launch",
    "LaunchInvite",
    "LoyaltyMember",
    "LoyaltyProgram",
    "Membership",
    "Message",
    "MessageStatusHistory",
    "MessageTemplate",
    "MetricSnapshot",
    "Order",
    "OrderLine",
    "PointsEntry",
    "Product",
    "Referral",
    "Review",
    "ReviewRequest",
    "Rsvp",
    "SegmentChange",
    "SegmentRun",
    "Shop",
    "SlaPolicyRow",
    "StaffAlert",
    "StaffInvitation",
    "StaffSession",
    "StaffTask",
    "StaffUser",
    "Suppression",
    "Survey",
    "SurveyResponse",
    "Ticket",
    "TicketEventRow",
    "TicketMessage",
    "TimelineCursor",
    "TimelineEvent",
    "UgcEntry",
    "WebhookDelivery",
]
