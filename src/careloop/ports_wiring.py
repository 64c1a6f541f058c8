"""Binds each port to the capability that provides it, in ONE place, until the composition
root (bootstrap) binds them from the manifests' `provides`. Called by the web app factory,
the CLI context, the worker start and the test conftest; calling it again binds nothing new.
"""

from __future__ import annotations

from typing import Any

from careloop.core.ports import (
    CustomerInsights,
    MissingPort,
    Rewards,
    StaffTasks,
    SupportDesk,
    port,
    provide,
)


def default_providers() -> dict[type[Any], Any]:
    """Each port with its default implementation."""
    from careloop.loyalty.rewards_port import LoyaltyRewards
    from careloop.support.desk_port import DeskInsights, DeskStaffTasks, DeskSupport

    return {
        Rewards: LoyaltyRewards(),
        StaffTasks: DeskStaffTasks(),
        SupportDesk: DeskSupport(),
        CustomerInsights: DeskInsights(),
    }


def bind_default_ports() -> None:
    """Provide every port that nothing provides yet (a test's fake stays bound), and load
    the capabilities' send gates (they register themselves on import)."""
    import careloop.loyalty.store_codes  # noqa: F401  (loyalty's coupon-code send gate)

    for port_type, impl in default_providers().items():
        try:
            port(port_type)
        except MissingPort:
            provide(port_type, impl)
