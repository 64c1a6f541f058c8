from __future__ import annotations

import pytest

from careloop import bootstrap
from careloop.core import ports
from careloop.core.ports import MissingPort, PortAlreadyProvided, Rewards, StaffTasks
from careloop.loyalty.rewards_port import FakeRewards, LoyaltyRewards
from careloop.support.desk_port import DeskStaffTasks


def test_a_port_nobody_provides_fails_naming_the_port_and_who_asked() -> None:
    ports.reset()

    def points_for_a_template() -> int:
        return ports.port(Rewards).points_balance(None, shop_id=1, customer_id=1)  # type: ignore[arg-type]

    with pytest.raises(MissingPort) as caught:
        points_for_a_template()
    assert caught.value.port is Rewards
    assert "Rewards" in str(caught.value)
    assert "points_for_a_template" in str(caught.value)


def test_a_second_provider_for_a_port_is_refused_and_the_first_stays() -> None:
    ports.reset()
    first = FakeRewards()
    ports.provide(Rewards, first)
    with pytest.raises(PortAlreadyProvided, match="Rewards"):
        ports.provide(Rewards, LoyaltyRewards())
    assert ports.port(Rewards) is first


def test_reset_forgets_every_provider() -> None:
    bootstrap.bind_ports()
    assert not _missing(StaffTasks)
    ports.reset()
    assert _missing(StaffTasks)
    assert _missing(Rewards)


def test_binding_the_defaults_keeps_a_fake_already_bound_and_binds_the_rest() -> None:
    ports.reset()
    fake = FakeRewards()
    ports.provide(Rewards, fake)
    bootstrap.bind_ports()
    bootstrap.bind_ports()  # a second start (the worker inside `serve`) binds nothing new
    assert ports.port(Rewards) is fake
    assert isinstance(ports.port(StaffTasks), DeskStaffTasks)


def _missing(port_type: type[object]) -> bool:
    try:
        ports.port(port_type)
    except MissingPort:
        return True
    return False
