"""The configuration file and its token sources (read, validated, written back)."""
