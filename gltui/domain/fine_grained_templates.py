"""The fine-grained variant of every built-in template (GitLab 19.2+).

Each is the least set of permissions, on the narrowest boundary, that serves the
integration the template is for: ``selected_memberships`` (the projects or groups
the user picks when creating the token) wherever the integration works inside
projects, and the ``user`` boundary only for the routes GitLab places there
(``GET /user``, ``POST /projects``).

Names. The reference names three permissions outright (``read_job``,
``read_personal_access_token``, ``read_resource_access_token``; ``gitlab-2026.md``
§1.1). Every other name here is built by GitLab's ``<action>_<resource>`` rule from the
resource and action of GitLab's generated permissions page
(``doc/auth/tokens/fine_grained_access_tokens.md``: "Repository: Read", "Merge Request:
Create", "Webhook: Create", "User: Read", ...): **UNCONFIRMED**, and each note says so.
A name GitLab does not know comes back as its 400, which the create pane shows.
"""

from __future__ import annotations

from gltui.domain.granular import FineGrainedForm, Grant
from gltui.domain.tokens import Boundary

_UNCONFIRMED = (
    "Permission names other than read_job follow GitLab's <action>_<resource> rule (UNCONFIRMED)."
)
_NO_GIT = (
    "Fine-grained permissions cover the REST API; whether they also allow git clone over "
    "HTTPS (the legacy read_repository scope) is UNCONFIRMED."
)


def _selected(*permissions: str) -> Grant:
    """A grant on the projects or groups chosen when the token is created."""
    return Grant(Boundary.SELECTED_MEMBERSHIPS, permissions)


def _user(*permissions: str) -> Grant:
    return Grant(Boundary.USER, permissions)


BUILTIN_FINE_GRAINED: dict[str, FineGrainedForm] = {
    "analytics-read": FineGrainedForm(
        (
            _user("read_user"),
            _selected(
                "read_project",
                "read_repository",
                "read_commit",
                "read_merge_request",
                "read_work_item",
                "read_pipeline",
                "read_job",
                "read_container_repository",
                "read_package",
            ),
        ),
        "Reads what read_api, read_repository and read_registry gave, on the projects or "
        "groups you choose only; read_user on the user boundary lets the platform name the "
        f"account. Read-only: no write permission at all. {_UNCONFIRMED} {_NO_GIT}",
    ),
    "code-insights": FineGrainedForm(
        (
            _user("read_user"),
            _selected("read_project", "read_repository", "read_commit", "read_merge_request"),
        ),
        "Code, commits and merge requests of the chosen projects or groups are all a "
        "code-quality or DORA tool reads; read_user names the account. Nothing about CI, "
        f"registries or issues. {_UNCONFIRMED} {_NO_GIT}",
    ),
    "jira-commits": FineGrainedForm(
        (_selected("read_project", "read_commit", "read_branch", "read_merge_request"),),
        "An issue tracker shows the commits, branches and merge requests that mention its "
        "issues: reading those in the chosen projects is enough; it never needs the user "
        f"boundary. {_UNCONFIRMED}",
    ),
    "jira-dev-panel": FineGrainedForm(
        (
            _selected(
                "read_project",
                "read_commit",
                "read_branch",
                "read_merge_request",
                "create_branch",
                "create_merge_request",
            ),
        ),
        "The development panel reads commits, branches and merge requests and creates "
        "branches and merge requests from an issue: those two creates are its only writes, "
        f"in the chosen projects only (the legacy template needs the whole api scope). "
        f"{_UNCONFIRMED}",
    ),
    "cicd-deploy": FineGrainedForm(
        (
            _user("create_project"),
            _selected("read_project", "create_webhook", "create_deploy_key"),
        ),
        "Creating projects is a user-boundary permission in GitLab (POST /projects); "
        "webhooks and deploy keys are created in the chosen groups' projects only. Whether "
        "a selected group also reaches the projects created in it later is UNCONFIRMED. "
        f"{_UNCONFIRMED}",
    ),
}
"""By template id (``templates.BUILTIN_TEMPLATES`` attaches each to its template)."""
