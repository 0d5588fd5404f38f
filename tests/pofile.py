"""A small reader of gettext .po catalogues, enough for the catalogue tests: entries with
their context, singular and plural ids, translations and flags."""

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    @property
    def key(self) -> tuple[str | None, str, str | None]:
        return (self.msgctxt, self.msgid, self.msgid_plural)

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr)


def read_po(path: Path) -> list[Entry]:
    """Every entry of the catalogue at `path`, the header (msgid "") included."""
    entries: list[Entry] = []
    entry = Entry()
    target: tuple[str, int | None] | None = None
    seen = False

    def finish():
        nonlocal entry, seen, target
        if seen:
            entries.append(entry)
        entry, seen, target = Entry(), False, None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            value = ast.literal_eval(line)
            name, index = target
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
            continue
        if seen and keyword in ("msgctxt", "msgid") and target and target[0] == "msgstr":
            finish()
        seen = True
        value = ast.literal_eval(rest)
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            while len(entry.msgstr) <= index:
                entry.msgstr.append("")
            entry.msgstr[index] = value
            target = ("msgstr", index)
        else:
            setattr(entry, keyword, value)
            target = (keyword, None)
    finish()
    return entries
