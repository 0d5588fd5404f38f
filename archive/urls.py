app_name = "archive"

# The reading pages (home, articles, the reader, capture history) show claims next to the
# text, so they live in annotations.urls; archive's own pages (adding articles, downloads)
# are listed here.
urlpatterns: list = []
