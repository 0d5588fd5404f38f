"""A notification in words: one plain sentence, rendered when it is read, in the reader's
language (the caller activates it: `translation.override`)."""

from django.utils.text import Truncator
from django.utils.translation import gettext

from accounts.people import display_name

from .models import Kind, Notification

# How much of a claim's wording a sentence quotes.
QUOTED_CHARS = 120


def text(notification: Notification) -> str:
    """What happened, in the active language: who did what to which claim (and why, when a
    reason was given)."""
    values = {
        "actor": display_name(notification.actor) or gettext("Claimdesk"),
        "claim": Truncator(notification.claim.text if notification.claim else "").chars(
            QUOTED_CHARS
        ),
        "article": notification.article.title if notification.article else "",
        "comment": notification.comment,
    }
    kind = notification.kind
    if kind == Kind.ASSIGNED:
        return gettext("%(actor)s asked you to annotate the claim “%(claim)s”.") % values
    if kind == Kind.SUBMITTED:
        return gettext("%(actor)s submitted an annotation of “%(claim)s” for review.") % values
    if kind == Kind.PUBLISHED:
        return gettext("%(actor)s published your annotation of “%(claim)s”.") % values
    if kind == Kind.RETURNED:
        if notification.comment:
            return (
                gettext("%(actor)s returned your annotation of “%(claim)s”: %(comment)s") % values
            )
        return gettext("%(actor)s returned your annotation of “%(claim)s”.") % values
    if kind == Kind.RETRACTED:
        if notification.comment:
            return (
                gettext("%(actor)s retracted your annotation of “%(claim)s”: %(comment)s") % values
            )
        return gettext("%(actor)s retracted your annotation of “%(claim)s”.") % values
    if kind == Kind.SOURCE_EDITED:
        if values["article"]:
            return (
                gettext("The sentence holding the claim “%(claim)s” was changed in “%(article)s”.")
                % values
            )
        return gettext("The sentence holding the claim “%(claim)s” was changed at its source.") % (
            values
        )
    raise ValueError(f"Unknown notification kind {kind!r}")
