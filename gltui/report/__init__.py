"""The headless twin: the inventory as a table or JSON (issue 7 adds more formats)."""
