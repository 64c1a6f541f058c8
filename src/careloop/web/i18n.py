"""The staff UI's strings: the message catalogue (careloop.core.catalogue) under the name the
pages have always imported."""

from careloop.core.catalogue import (
    DEFAULT_LOCALE,
    EVENT_LABELS_VI,
    LOCALE_NAMES,
    LOCALES,
    MESSAGES,
    catalogue_messages,
    catalogue_pairs,
    catalogue_texts,
    event_label,
    has_message,
    normalise_locale,
    register_messages,
    t,
)

__all__ = [
    "DEFAULT_LOCALE",
    "EVENT_LABELS_VI",
    "LOCALES",
    "LOCALE_NAMES",
    "MESSAGES",
    "catalogue_messages",
    "catalogue_pairs",
    "catalogue_texts",
    "event_label",
    "has_message",
    "normalise_locale",
    "register_messages",
    "t",
]
