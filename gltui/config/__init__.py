"""The configuration file, its token sources and `gltui config check`."""
