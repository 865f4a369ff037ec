"""Pure token logic: no IO, no Textual, no python-gitlab.

Everything here is a function of its arguments (the clock included), so the
rules that must match GitLab exactly can be tested at every boundary.
"""
