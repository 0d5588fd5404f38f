"""Claims and where they appear: creating, rewording and removing a claim, and marking a span
of a capture as an appearance of one (the quote checked at its code-point offsets)."""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from archive.models import Capture
from archive.services import language_of
from journal import services as journal

from .. import rules
from ..models import Appearance, Claim
from ._versions import record_claim_change


def claim_language(capture: Capture) -> str:
    """The language a claim marked in `capture` gets unless told: the article's, else its
    source's (`archive.services.language_of`)."""
    return language_of(capture)


def claim_state(claim: Claim) -> dict:
    return journal.state(claim, "text", "language", "claimant")


def is_published(claim: Claim) -> bool:
    """Whether anything about `claim` is published (one of its annotations)."""
    return claim.annotations.published().exists()


# The context stored around a quote (a TextQuoteSelector's prefix and suffix), and the
# context shown around a selection before it is marked.
STORED_CONTEXT_LENGTH = 32


SHOWN_CONTEXT_LENGTH = 80


def quote_context(
    text: str, start: int, end: int, length: int = STORED_CONTEXT_LENGTH
) -> tuple[str, str]:
    """The `length` characters before and after text[start:end]."""
    return text[max(0, start - length) : start], text[end : end + length]


def quote_at(capture: Capture, start: int, end: int, quote: str | None = None) -> str:
    """The text of `capture` at [start, end) (code-point offsets), which `quote`, if given,
    must equal; a ValidationError naming `end` or `quote` otherwise."""
    text = capture.text
    if not 0 <= start < end:
        raise ValidationError(
            {"end": _("A span must start at 0 or later and end after it starts.")}
        )
    if end > len(text):
        raise ValidationError(
            {
                "end": _(
                    "The span %(start)s–%(end)s is outside the article's text: it runs past "
                    "the end of the capture (%(length)s characters)."
                )
                % {"start": start, "end": end, "length": len(text)}
            }
        )
    expected = text[start:end]
    if quote is not None and quote != expected:
        raise ValidationError(
            {
                "quote": _(
                    "The quote does not match the capture at %(start)s–%(end)s: the capture "
                    "has “%(expected)s”, the quote given was “%(quote)s”. What the article says "
                    "at this place is not the passage shown: select it again."
                )
                % {"start": start, "end": end, "expected": expected, "quote": quote}
            },
            code="quote_mismatch",
        )
    return expected


def appearance_state(appearance: Appearance) -> dict:
    return journal.state(
        appearance,
        *("capture", "quote", "start", "end"),
        *("anchor_status", "anchor_method", "anchor_score"),
    )


@transaction.atomic
def create_claim(*, user: User, text: str, language: str, claimant: str = "") -> Claim:
    rules.require(rules.can_create_claim(user), _("Only journalists and editors create claims."))
    return _save_claim(user=user, text=text, language=language, claimant=claimant)


def _save_claim(*, user: User, text: str, language: str, claimant: str) -> Claim:
    claim = Claim(text=text, language=language, claimant=claimant, created_by=user)
    claim.full_clean()
    claim.save()
    record_claim_change(user, "claim", claim, "created", {}, claim_state(claim))
    return claim


@transaction.atomic
def update_claim(
    *,
    user: User,
    claim: Claim,
    text: str | None = None,
    language: str | None = None,
    claimant: str | None = None,
    reason: str = "",
) -> Claim:
    """Change a claim's wording, language or claimant. Once anything about it is published
    this is an editor's act with a `reason`, which the journal keeps."""
    rules.require(
        rules.can_edit_claim(user, claim, published=False),
        _("Only the claim's creator or an editor can change it."),
    )
    published = is_published(claim)
    rules.require(
        rules.can_edit_claim(user, claim, published=published),
        _(
            "This claim has a published assessment: only an editor can change it now, giving "
            "a reason."
        ),
    )
    before = claim_state(claim)
    for field, value in (("text", text), ("language", language), ("claimant", claimant)):
        if value is not None:
            setattr(claim, field, value)
    claim.full_clean()
    after = claim_state(claim)
    if after == before:
        return claim
    reason = reason.strip()
    if published and not reason:
        raise ValidationError(
            {"reason": _("This claim has a published assessment: say why its wording changes.")}
        )
    claim.save()
    record_claim_change(
        user, "claim", claim, "edited", before, after, public=published, reason=reason
    )
    return claim


@transaction.atomic
def delete_claim(*, user: User, claim: Claim, reason: str = "") -> None:
    """Soft-delete: the claim leaves every list and feed but stays in the database, with its
    history. Removing a claim with a published assessment needs a `reason`."""
    rules.require(
        rules.can_delete_claim(user, claim),
        _(
            "Only an editor, or the claim's creator before anything about it is published, "
            "can remove a claim."
        ),
    )
    published = is_published(claim)
    reason = reason.strip()
    if published and not reason:
        raise ValidationError(
            {"reason": _("This claim has a published assessment: say why it is removed.")}
        )
    Claim.objects.filter(pk=claim.pk).update(deleted_at=timezone.now(), updated_at=timezone.now())
    record_claim_change(user, "claim", claim, "deleted", {}, {}, public=published, reason=reason)


@transaction.atomic
def create_appearance(
    *, user: User, claim: Claim, capture: Capture, start: int, end: int, quote: str
) -> tuple[Appearance, bool]:
    """Mark `claim` at capture.text[start:end], which `quote` must equal exactly (offsets
    count Unicode code points). Returns the appearance and whether it is new: marking a claim
    again where it is already marked returns the existing appearance."""
    return mark_claim(user=user, capture=capture, start=start, end=end, quote=quote, claim=claim)


@transaction.atomic
def mark_claim(
    *,
    user: User,
    capture: Capture,
    start: int,
    end: int,
    quote: str,
    claim: Claim | None = None,
    text: str = "",
    language: str = "",
    claimant: str = "",
) -> tuple[Appearance, bool]:
    """Mark a span as a claim: an appearance of `claim`, or of a new claim worded `text`
    (default: the quote) in `language` (default: `claim_language`). Returns the appearance
    and whether it is new: where `claim` is already marked at this span, the existing one."""
    rules.require(rules.can_create_claim(user), _("Only journalists and editors mark claims."))
    quote_at(capture, start, end, quote)
    if claim is None:
        claim = _save_claim(
            user=user,
            text=text or quote,
            language=language or claim_language(capture),
            claimant=claimant,
        )
    else:
        existing = Appearance.objects.filter(
            claim=claim, capture=capture, start=start, end=end
        ).first()
        if existing is not None:
            return existing, False
    prefix, suffix = quote_context(capture.text, start, end)
    appearance = Appearance(
        claim=claim,
        capture=capture,
        start=start,
        end=end,
        quote=quote,
        prefix=prefix,
        suffix=suffix,
        created_by=user,
    )
    # The model's own checks and the database constraints stay as the last line of defence.
    appearance.full_clean()
    appearance.save()
    Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    after = appearance_state(appearance)
    record_claim_change(
        user, "appearance", appearance, "created", {}, after, public=is_published(claim)
    )
    return appearance, True
