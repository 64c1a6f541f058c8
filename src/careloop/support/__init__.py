"""Support desk: tickets, their SLA clocks, playbooks. `calendar` and `sla` are pure (no I/O)."""
