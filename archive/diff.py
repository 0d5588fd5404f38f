"""Readable differences between the texts of two captures: a word-level diff (difflib) that
keeps whitespace, so paragraphs stay paragraphs, and renders as <del>/<ins> HTML."""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

# Words, runs of whitespace, and single punctuation marks (’ « » … are tokens of their own).
TOKEN_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Hunk:
    """A run of text that is the same in both captures (`old == new`) or that changed."""

    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class TextDiff:
    hunks: list[Hunk]

    @property
    def words_deleted(self) -> int:
        return sum(len(re.findall(r"\w+", h.old)) for h in self.hunks if h.changed)

    @property
    def words_inserted(self) -> int:
        return sum(len(re.findall(r"\w+", h.new)) for h in self.hunks if h.changed)

    @property
    def has_changes(self) -> bool:
        return any(h.changed for h in self.hunks)

    def as_html(self) -> SafeString:
        """Unchanged text as is, deletions in <del>, insertions in <ins>; all text escaped."""
        parts = []
        for hunk in self.hunks:
            if not hunk.changed:
                parts.append(conditional_escape(hunk.old))
                continue
            if hunk.old:
                parts.append(format_html("<del>{}</del>", hunk.old))
            if hunk.new:
                parts.append(format_html("<ins>{}</ins>", hunk.new))
        return mark_safe("".join(parts))


def diff_texts(old: str, new: str) -> TextDiff:
    """Word-level differences from `old` to `new`."""
    a, b = TOKEN_RE.findall(old), TOKEN_RE.findall(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    hunks: list[Hunk] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            hunks.append(Hunk(old_text, old_text))
        else:
            hunks.append(Hunk(old_text, new_text))
    return TextDiff(_merge_small_gaps(hunks))


def _merge_small_gaps(hunks: list[Hunk]) -> list[Hunk]:
    """Fold a lone space or punctuation mark between two changes into the change, so that a
    reworded phrase reads as one deletion and one insertion rather than word-by-word."""
    merged: list[Hunk] = []
    for hunk in hunks:
        if (
            hunk.changed
            and len(merged) >= 2
            and merged[-2].changed
            and not merged[-1].changed
            and len(merged[-1].old) <= 2
            and "\n" not in merged[-1].old
        ):
            gap = merged.pop()
            previous = merged.pop()
            hunk = Hunk(previous.old + gap.old + hunk.old, previous.new + gap.new + hunk.new)
        elif hunk.changed and merged and merged[-1].changed:
            previous = merged.pop()
            hunk = Hunk(previous.old + hunk.old, previous.new + hunk.new)
        merged.append(hunk)
    return merged
