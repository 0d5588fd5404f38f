"""The publication app: the published read model follows the journal (and username changes)."""

from django.apps import AppConfig


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


class PublicationConfig(AppConfig):
    name = "publication"

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save, pre_save

        from journal.services import on_record

        from .published import refresh_for_entries

        # The published read model follows every journaled write, in its transaction.
        on_record(refresh_for_entries)
        user = get_user_model()
        pre_save.connect(remember_username, sender=user, dispatch_uid="publication.username")
        post_save.connect(
            refresh_on_username_change, sender=user, dispatch_uid="publication.username_changed"
        )
