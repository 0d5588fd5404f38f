"""Reading articles from the outside world, without touching the database: `documents` (what
a reader yields), `readers` (text, HTML, WARC and JSON Lines files), `fetch` (live URLs, behind
the private-address guard), `language` (detection) and `inputs` (what a command line names and
what each input yields). `archive.services` stores what they read."""
