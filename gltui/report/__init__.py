"""The headless twin: the inventory as a table, Markdown, JSON, CSV or OpenMetrics."""
