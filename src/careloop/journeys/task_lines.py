"""The staff tasks the shipped journeys create (birthday gift box, the call after negative
feedback), read in the staff member's language: their English title and body, as the journey
files write them, are recognised (support/task_text.py) and rendered from the catalogue. A
shop's own wording of a task shows as written."""

from __future__ import annotations

from careloop.support.task_text import TaskLine

# (the line in playbooks/journeys/*.yaml, its catalogue key)
SHIPPED_TASK_LINES = (
    ("Birthday gift box", "task.text.journey.birthday_gift_box_title"),
    (
        "Prepare and send a personalised gift box with a handwritten card; it should arrive "
        "before the birthday.",
        "task.text.journey.birthday_gift_box_body",
    ),
    ("Call the unhappy customer", "task.text.journey.unhappy_call_title"),
    (
        "Take the conversation private, acknowledge the problem, offer a replacement, refund "
        "or service.",
        "task.text.journey.unhappy_call_body",
    ),
)

# Declared in journeys' manifest; bootstrap hands every capability's to support/task_text.py.
TASK_LINES: tuple[TaskLine, ...] = tuple((line, key, {}) for line, key in SHIPPED_TASK_LINES)
