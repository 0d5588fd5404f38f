"""Publication: what each reader is shown of the annotated corpus. It owns the one claim
representation (`representations`), the published read model that stores it ready-made for
anonymous readers (`published`, written from the journal), the change feed (`feed`), the
linked-data renderings (`jsonld`: W3C Web Annotation, ClaimReview) and history as the pages
show it (`history`)."""
