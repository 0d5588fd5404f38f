"""The desk: the newsroom's pages (`views`, one module per workflow), their forms, the reader's
paragraphs with their highlights (`reader`) and the template tags the pages use. Pages read
through the QuerySet methods and the publication layer and write only through
`annotations.services`."""
