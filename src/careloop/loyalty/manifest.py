"""What loyalty plugs in: points, tiers, coupons, referrals, the customer's loyalty page."""

from __future__ import annotations

from careloop.core.manifest import Command, Manifest, NavEntry, WorkerTask

MANIFEST = Manifest(
    name="loyalty",
    models=("careloop.loyalty.models",),
    api_routers=("careloop.loyalty.api:router",),
    staff_pages=(
        "careloop.loyalty.ui",
        "careloop.loyalty.store_ui",
        "careloop.loyalty.store_action_ui",
    ),
    public_pages=("careloop.loyalty.page:page_router",),
    nav=(NavEntry("loyalty", "Loyalty", "Khách hàng thân thiết", "/loyalty", "viewer", 40),),
    timeline_consumers=("loyalty.events",),
    tasks=(
        WorkerTask(
            "loyalty.events",
            "careloop.loyalty.tasks:process_events",
            after=("orders.ingest_inbox",),
        ),
        WorkerTask("loyalty.daily", "careloop.loyalty.tasks:daily_sweep"),
        # Codes issued this pass (by loyalty or a journey's step) are created in the store
        # before channels sends the messages carrying them: a refusal shows on this pass.
        WorkerTask(
            "loyalty.store_codes",
            "careloop.loyalty.tasks:sync_store_codes",
            after=("loyalty.events", "loyalty.daily", "journeys.run_steps"),
            before=("channels.dispatch",),
        ),
        WorkerTask(
            "loyalty.store_actions",
            "careloop.loyalty.tasks:sync_store_actions",
            after=("loyalty.events", "loyalty.daily"),
        ),
    ),
    timeline_texts=("careloop.loyalty.timeline_text:TIMELINE_TEXTS",),
    attention=(
        ("loyalty.store_codes", "careloop.loyalty.attention:store_items"),
        ("loyalty.store_actions", "careloop.loyalty.store_action_sync:attention_items"),
    ),
    personal_data="careloop.loyalty.personal_data:DECLARATIONS",
    demo_seeder="careloop.loyalty.demo:seed_demo",
    commands=(
        Command(
            "loyalty",
            "Loyalty program: settings, points, coupons, referrals.",
            "careloop.loyalty.cli:loyalty_app",
        ),
    ),
    send_gates=(("loyalty.store_codes", "careloop.loyalty.store_codes:send_gate"),),
    catalogue_domain="loyalty",
    provides=(("careloop.core.ports:Rewards", "careloop.loyalty.rewards_port:LoyaltyRewards"),),
)
