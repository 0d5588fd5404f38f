"""Who may watch. Watches and re-captures on demand are editors' acts (a watch archives under a
source, unattended, for as long as it runs); the watcher (system actor) archives what they
bring."""

from accounts.actors import Actor, is_system
from accounts.roles import is_editor
from accounts.roles import require as require


def can_manage_watches(actor: Actor) -> bool:
    return not is_system(actor) and is_editor(actor)


def can_request_recapture(actor: Actor) -> bool:
    return not is_system(actor) and is_editor(actor)
