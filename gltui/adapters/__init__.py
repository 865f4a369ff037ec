"""The only code that knows GitLab's wire format and python-gitlab.

``parse`` turns API JSON into domain tokens (no python-gitlab needed);
``client`` wraps python-gitlab calls. Nothing here imports Textual.
"""
