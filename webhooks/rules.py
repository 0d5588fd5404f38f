"""Who may have webhooks: editors (and admins), and any read-only API token — a partner's —,
whose webhooks then show what the token reads, the public record."""

from accounts import roles

from .models import Webhook


def may_own_webhooks(user: roles.AnyUser, *, read_only_token: bool) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return read_only_token or roles.is_editor(user)


def require_webhook_owner(user: roles.AnyUser, *, read_only_token: bool) -> None:
    roles.require(
        may_own_webhooks(user, read_only_token=read_only_token),
        "Webhooks are for editors and for read-only API tokens (a partner's).",
    )


def still_receives(webhook: Webhook) -> bool:
    """Whether the webhook's owner may still be sent what it shows: an editor still, or the
    read-only token that made it not revoked."""
    if webhook.token_id is not None:
        return webhook.token.revoked_at is None and webhook.owner.is_active
    return may_own_webhooks(webhook.owner, read_only_token=False)
