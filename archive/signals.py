"""Signals the archive sends so that apps above it can react.

capture_added(sender=Capture, capture=<new Capture>, previous=<Capture | None>, batched=False)
    Sent inside the transaction that stored a new capture of an article, after it is saved.
    `previous` is the article's latest capture before this one. Receivers run in that same
    transaction, so an exception in one rolls the capture back. `batched` (sent as a keyword
    only when true): the capture is one of several first captures of new articles stored
    together by an import, and `captures_added` follows for all of them.

captures_added(sender=Capture, captures=<list of new Captures>)
    Sent after `capture_added` for each of several first captures stored together, in the
    same transaction, so that receivers able to work in bulk do it once for all of them
    (and leave the `batched` captures to it), or leave it to a worker once the transaction
    commits (an import's batch: what can wait should). An exception in a receiver rolls them
    all back.
"""

from django.dispatch import Signal

capture_added = Signal()
captures_added = Signal()
