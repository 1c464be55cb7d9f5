"""Chinese number formats as the vendors' own consoles write them: 28,941 (Django's zh_Hans has no separator)."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
