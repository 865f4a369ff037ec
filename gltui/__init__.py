"""gltui: a keyboard-driven dashboard for GitLab access tokens across instances."""

__version__ = "0.1.0"
