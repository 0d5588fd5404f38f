"""Pages that work on the archive alone. Pages that show claims next to the text (home, the
articles list, the reader, capture history) live in `annotations.views`, since annotations
depends on archive and never the reverse."""
