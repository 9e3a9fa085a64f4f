"""The five research questions as one-command studies (`jaxstilts sweep studies/<name>.py`),
each with a tiny form (`studies/<name>.py:tiny`) that runs on CPU on the embedded demo data."""
