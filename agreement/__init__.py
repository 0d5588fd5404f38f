"""Agreement between annotators: the measures on arrays (`metrics`) and the report the API and
the page show, read from the database (`report`)."""
