"""The task feedback writes for staff (answer a negative review publicly within the window),
read in the staff member's language: its stored English title is recognised by the format
below (support/task_text.py) and rendered from the catalogue."""

from __future__ import annotations

from typing import Final

from careloop.support.task_text import TaskLine

# As feedback/service.py `_urgent_reply_task` writes it.
REPLY_TASK_TITLE: Final = (
    "Respond publicly within 2 hours to a {rating}★ {platform} review, then take it private"
)

# Declared in feedback's manifest; bootstrap hands every capability's to support/task_text.py.
TASK_LINES: tuple[TaskLine, ...] = (
    (
        REPLY_TASK_TITLE,
        "task.text.review_reply_title",
        {"rating": r"\d+", "platform": r"[\w.-]+"},
    ),
)
