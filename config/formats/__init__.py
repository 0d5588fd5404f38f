"""Date formats per interface language (FORMAT_MODULE_PATH), overriding Django's own."""
