"""Signals the archive sends so that apps above it can react.

capture_added(sender=Capture, capture=<new Capture>, previous=<Capture | None>)
    Sent inside the transaction that stored a new capture of an article, after it is saved.
    `previous` is the article's latest capture before this one. Receivers run in that same
    transaction, so an exception in one rolls the capture back.
"""

from django.dispatch import Signal

capture_added = Signal()
