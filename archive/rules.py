"""Who may write to the archive. The archive services call `require(...)`, so the web UI, the
API, the admin and the commands enforce the same rules.

- journalists (and editors, admins) archive articles and add captures of them fetched from
  their URL; replacing an archived article's text by pasted or uploaded text is an editor's act;
- admins manage sources and correct an article's details;
- the system actors (imports, seeds) archive articles as the commands are told to.
"""

from accounts.actors import Actor, is_system
from accounts.roles import is_admin, is_editor, is_journalist
from accounts.roles import require as require


def can_archive_articles(actor: Actor) -> bool:
    return is_system(actor) or is_journalist(actor)


def can_add_captures(actor: Actor) -> bool:
    return can_archive_articles(actor)


def can_replace_text(actor: Actor) -> bool:
    """Whether `actor` may store pasted or uploaded text as a new capture of an article that
    is already archived (its text then reads as they supplied it, not as its page does)."""
    return is_system(actor) or is_editor(actor)


def can_edit_articles(actor: Actor) -> bool:
    return not is_system(actor) and is_admin(actor)


def can_manage_sources(actor: Actor) -> bool:
    return not is_system(actor) and is_admin(actor)
