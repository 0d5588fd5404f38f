"""English dates as the pages show them: "12 Oct 2022", "12 Oct 2022 14:05"."""

DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
