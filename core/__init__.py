"""The bottom layer: base models, domain errors and the shared API pieces. It imports no
app of the project, so every app may import it."""
