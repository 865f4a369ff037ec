"""The port to GitLab, and the only code that knows its wire format and python-gitlab.

``port`` is the typed interface every strategy is written against (listings named by
what they list, whoami, version, own token, revoke, rotate, create); ``endpoints`` is
GitLab's REST vocabulary (paths, parameters, version gates); ``gitlab_api`` implements
the port through python-gitlab on a ``transport`` that enforces the transport policy
(no redirects, deadlines, caps, retries, scrubbing); ``parse`` turns API JSON into
domain tokens; ``errors`` turns exceptions into actionable failures; ``log`` records
every request. Nothing here imports Textual.
"""
