"""Reading articles from the outside world, without touching the database: `documents` (what
a reader yields), `readers` (text, HTML, WARC and JSON Lines files; which inputs a command
line names), `fetch` (live URLs, behind the private-address guard) and `language` (detection).
`archive.services` stores what they read."""
