"""The annotations app; connects re-anchoring and capture analysis to the archive's
signals (capture_added, captures_added), and the published read model to the journal and to
username changes."""

from django.apps import AppConfig


def reanchor_on_capture_added(sender, capture, previous, **kwargs):
    """A new capture of an article: its claims follow the text (see archive.signals) — in
    the capture's transaction, or for an article with more appearances than
    CLAIMDESK_REANCHOR_INLINE_MAX, in a background job queued once the capture is committed,
    the appearances marked "re-anchoring…" meanwhile."""
    from .services import reanchor_appearances, reanchor_in_background

    if previous is None:
        # The article's first capture: no earlier one holds claims to move.
        return

    if not reanchor_in_background(capture=capture):
        reanchor_appearances(capture=capture)


def analyse_on_capture_added(sender, capture, batched=False, **kwargs):
    """A new capture: detect its foreign insertions and store them with it (for captures
    stored together, once for all of them, on `captures_added`)."""
    from .intelligence.analysis import analyse_capture

    if not batched:
        analyse_capture(capture, new=True)


def analyse_on_captures_added(sender, captures, **kwargs):
    """New captures stored together: their analyses, stored in one insert."""
    from .intelligence.analysis import analyse_new_captures

    analyse_new_captures(captures)


def remember_username(sender, instance, update_fields=None, raw=False, **kwargs):
    """Before a user is saved: note the stored username, when the save may change it."""
    if raw or instance.pk is None:
        return
    if update_fields is not None and "username" not in update_fields:
        return  # e.g. a login's last_login
    instance._stored_username = (
        sender.objects.filter(pk=instance.pk).values_list("username", flat=True).first()
    )


def refresh_on_username_change(sender, instance, created, raw=False, **kwargs):
    """Published claims show usernames (creator, authors, reviewers): refresh them."""
    from .published import refresh_for_user

    before = getattr(instance, "_stored_username", None)
    if raw or created or before is None or before == instance.username:
        return
    del instance._stored_username
    refresh_for_user(instance.pk)


class AnnotationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "annotations"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from archive.signals import capture_added, captures_added
        from journal.services import on_record

        from .published import refresh_for_entries

        capture_added.connect(reanchor_on_capture_added, dispatch_uid="annotations.reanchor")
        capture_added.connect(analyse_on_capture_added, dispatch_uid="annotations.analyse")
        captures_added.connect(analyse_on_captures_added, dispatch_uid="annotations.analyse_all")
        # The published read model follows every journaled write, in its transaction.
        on_record(refresh_for_entries)
        user = get_user_model()
        pre_save.connect(remember_username, sender=user, dispatch_uid="annotations.username")
        post_save.connect(
            refresh_on_username_change, sender=user, dispatch_uid="annotations.username_changed"
        )
