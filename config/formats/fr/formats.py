"""French dates as the pages show them: "12 octobre 2022", "12 octobre 2022 14:05"."""

DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y H:i"
