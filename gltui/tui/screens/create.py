"""The create pane: a token from a template, with the exact request shown before it is sent.

Fields: template, instance, kind, project or group (a searchable list of the
places where the user has the role to create tokens, read in a worker), name,
description, expiry, role and scopes (those the kind cannot hold are disabled
with the reason; write scopes marked). A refusal from GitLab is shown under the
form, which keeps everything typed.

Personal tokens from a template with a fine-grained form are fine-grained by default
where the instance makes them over the API (GitLab 19.2+: :mod:`gltui.actions.plan`):
the Type row switches to the legacy scopes, the side lists the permissions per
boundary instead of scopes, and the project or group picked is what the token's
selected memberships reach. Elsewhere, ordinary users cannot create personal tokens
through the API: the pane then offers GitLab's prefilled form instead, as it does
when GitLab answers 404 where fine-grained tokens are created.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Select, SelectionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker

from gltui.actions.form import (
    CREATABLE_KINDS,
    CreateForm,
    build_request,
    template_table,
)
from gltui.actions.plan import plan_create, prefers_fine_grained
from gltui.actions.service import ActionError, FineGrainedUnavailable, Issued
from gltui.domain.display import printable, printable_lines, printable_said
from gltui.domain.errors import DomainError, ValidationError
from gltui.domain.templates import CreateRequest, Template
from gltui.domain.tokens import Owner, Resource, TokenKind
from gltui.tui.generation import Generation
from gltui.tui.screens.action_modal import ActionModal
from gltui.tui.screens.create_account import AccountPicker, LoadAccounts
from gltui.tui.screens.create_view import (
    FINE_GRAINED,
    LEGACY,
    ROLES,
    VARIANTS,
    Created,
    CreateToken,
    LoadResources,
    Place,
    SaveTemplate,
    dropdown,
    permissions_text,
    row,
    scope_selections,
)

__all__ = ["CreateScreen", "Created", "Place"]


class CreateScreen(ActionModal[Created]):
    """Dismisses with the new token (its value is shown next), or ``None``."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without creating"),
        Binding("ctrl+s", "create", "Create", tooltip="Send the request shown"),
    ]
    GO = "create-go"
    ERROR = "create-error"

    def __init__(
        self,
        places: Sequence[Place],
        templates: Sequence[Template],
        today: date,
        *,
        load_resources: LoadResources,
        create: CreateToken,
        save_template: SaveTemplate | None = None,
        start: Template | None = None,
        start_kind: TokenKind | None = None,
        start_place: str | None = None,
        start_resource: Resource | None = None,
        start_name: str | None = None,
        load_accounts: LoadAccounts | None = None,
        start_account: Owner | None = None,
    ) -> None:
        """``start``: the template to begin with ("create like this" passes a one-off one
        made from the token); the callables block and run in workers (``load_accounts``:
        a group's or project's service accounts, for a service account's token)."""
        super().__init__()
        self.places = {place.name: place for place in places}
        self.templates = {template.id: template for template in templates}
        if start is not None:
            self.templates = {start.id: start, **self.templates}
        self.today = today
        self._load = load_resources
        self._create = create
        self._save = save_template
        first = start or next(iter(self.templates.values()))
        self.template = first
        self.kind = start_kind if start_kind and first.suits(start_kind) else first.kinds[0]
        self._load_accounts = load_accounts
        self.start_account = start_account
        self.place = start_place if start_place in self.places else next(iter(self.places))
        self.resource = start_resource
        self.start_name = start_name
        self.resources: list[Resource] = [start_resource] if start_resource else []
        self.fine_grained = prefers_fine_grained(
            first, TokenKind.PERSONAL, self.current_place.where
        )
        """The Type row: the template's fine-grained form (personal tokens only)."""
        self.request: CreateRequest | None = None
        self.form_url: str | None = None
        self.searches = Generation()
        """Each search for a project or group is numbered: only the newest is shown."""

    # --- layout -------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Vertical(id="create"):
            yield Static("Create a token", id="create-title")
            with Horizontal(id="create-columns"):
                with VerticalScroll(id="create-fields"):
                    # Text, not str: Select parses a str prompt as markup
                    titles = [(Text(printable(t.title)), t.id) for t in self.templates.values()]
                    yield row("Template", dropdown(titles, self.template.id, "template"))
                    names = [(Text(printable(name)), name) for name in self.places]
                    yield row("Instance", dropdown(names, self.place, "instance"))
                    yield row("Kind", dropdown(self._kind_options(), self.kind, "kind"))
                    variant = FINE_GRAINED if self.fine_grained else LEGACY
                    yield row("Type", dropdown(VARIANTS, variant, "variant"), "variant-row")
                    with Vertical(id="target-box"):
                        search = Input(placeholder="type to search", id="target-search")
                        search.compact = True
                        yield row("Project/group", search)
                        yield OptionList(id="targets")
                        yield Static("", id="target-chosen", markup=False)
                    yield AccountPicker(self._load_accounts, id="account-box")
                    name = self.start_name or self.template.id
                    yield row("Name", Input(value=name, id="name", compact=True))
                    about = self.template.description
                    yield row("Description", Input(value=about, id="description", compact=True))
                    hint = "YYYY-MM-DD (empty: template default)"
                    yield row("Expires", Input(placeholder=hint, id="expires", compact=True))
                    role = Select(ROLES, allow_blank=True, prompt="template default", id="role")
                    role.compact = True
                    yield row("Role", role, "role-row")
                with Vertical(id="create-side"):
                    yield Label("Scopes (! = can write)", id="scopes-label")
                    yield SelectionList[str](id="scopes")
                    yield Static("", id="permissions", markup=False)
                    yield Static("", id="create-preview", markup=False)
                    yield Static("", id="create-error", markup=False)
            with Horizontal(id="create-buttons"):
                yield Button("Create", variant="primary", id="create-go")
                if self._save is not None:
                    yield Input(placeholder="template id", id="template-id")
                    yield Button("Save as template", id="create-save")
                yield Button("Cancel", id="create-cancel")

    def on_mount(self) -> None:
        self._fill_scopes()
        self._kind_changed()
        self.query_one("#template", Select).focus()

    # --- helpers ----------------------------------------------------------------
    def _kind_options(self) -> list[tuple[str, TokenKind]]:
        return [(kind.value, kind) for kind in CREATABLE_KINDS if self.template.suits(kind)]

    @property
    def current_place(self) -> Place:
        """The instance chosen."""
        return self.places[self.place]

    def _fine(self) -> bool:
        """Whether the pane makes the template's fine-grained form now."""
        return (
            self.fine_grained
            and self.kind is TokenKind.PERSONAL
            and self.template.fine_grained is not None
        )

    def _fill_scopes(self) -> None:
        scopes = self.query_one("#scopes", SelectionList)
        scopes.clear_options()
        is_admin = self.current_place.is_admin
        scopes.add_options(scope_selections(self.template, self.kind, is_admin=is_admin))

    def _kind_changed(self) -> None:
        form, fine = self.template.fine_grained, self._fine()
        self.query_one("#variant-row").display = (
            self.kind is TokenKind.PERSONAL
            and form is not None
            and self.template.has_legacy(self.kind)
        )
        needs_target = self.kind is not TokenKind.PERSONAL or (
            fine and form is not None and form.needs_memberships
        )
        for legacy_only in ("#scopes", "#scopes-label"):
            self.query_one(legacy_only).display = not fine
        self.query_one("#permissions").display = fine
        self.query_one("#target-box").display = needs_target
        self.query_one("#role-row").display = self.kind.is_resource_token
        accounts = self.query_one(AccountPicker)
        accounts.display = self.kind is TokenKind.SERVICE_ACCOUNT
        if accounts.display and self.resource is not None:
            accounts.load(self.place, self.resource, self.start_account)
        else:
            accounts.clear()
        if needs_target:
            self.search_resources(self.query_one("#target-search", Input).value)
        self._refresh_preview()

    def _form(self) -> CreateForm:
        role = self.query_one("#role", Select).value
        return CreateForm(
            template=self.template,
            kind=self.kind,
            resource=self.resource,
            name=self.query_one("#name", Input).value,
            description=self.query_one("#description", Input).value,
            expires=self.query_one("#expires", Input).value,
            role=role if isinstance(role, str) else None,
            scopes=tuple(self.query_one("#scopes", SelectionList).selected),
            fine_grained=self._fine(),
            account=self.query_one(AccountPicker).account,
        )

    def _refresh_preview(self) -> None:
        """Validate what is typed and show the request it makes (or what to fix)."""
        place = self.current_place
        error = self.query_one("#create-error", Static)
        shown = self.query_one("#create-preview", Static)
        button = self.query_one("#create-go", Button)
        self.form_url = None
        if self._fine() and self.template.fine_grained is not None:
            permissions = self.query_one("#permissions", Static)
            permissions.update(permissions_text(self.template.fine_grained, self.resource))
        try:
            self.request = build_request(self._form(), self.today, is_admin=place.is_admin)
        except ValidationError as problem:
            self.request = None
            shown.update("")
            error.update(printable_said(f"{problem.field}: {problem.message}"))
            button.disabled = True
            return
        error.update("")
        button.disabled = False
        plan = plan_create(self.request, place.where)
        if plan.path is not None:
            button.label = "Create"
            shown.update(printable_lines(plan.preview()))
            return
        if plan.form_url is not None:
            self.form_url = plan.form_url
            button.label = "Open GitLab's form"
            shown.update(printable_lines(plan.preview()))  # gltui's words and the address
            return
        hint = (
            "; choose Type: legacy"
            if plan.needs_legacy and self.template.has_legacy(self.kind)
            else ""
        )
        shown.update(printable_lines(plan.preview() + hint))
        button.disabled = True

    # --- events -----------------------------------------------------------------
    @on(Select.Changed, "#template")
    def template_chosen(self, event: Select.Changed) -> None:
        if not isinstance(event.value, str) or event.value == self.template.id:
            return
        chosen = self.templates[event.value]
        if not any(chosen.suits(kind) for kind in CREATABLE_KINDS):
            suits = ", ".join(kind.value for kind in chosen.kinds)
            self.query_one("#create-error", Static).update(
                f"template: {event.value!r} is for {suits} tokens, which gltui does not create"
            )
            return
        self.template = chosen
        self._set_variant(
            prefers_fine_grained(chosen, TokenKind.PERSONAL, self.current_place.where)
        )
        kinds = self._kind_options()
        kind_select = self.query_one("#kind", Select)
        kind_select.set_options(kinds)
        self.kind = self.kind if self.template.suits(self.kind) else kinds[0][1]
        kind_select.value = self.kind
        self.query_one("#name", Input).value = self.template.id
        self.query_one("#description", Input).value = self.template.description
        self._fill_scopes()
        self._kind_changed()

    @on(Select.Changed, "#instance")
    def instance_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.place:
            self.place = event.value
            self.resource = None
            where = self.current_place.where
            self._set_variant(prefers_fine_grained(self.template, TokenKind.PERSONAL, where))
            self._fill_scopes()
            self._kind_changed()

    @on(Select.Changed, "#kind")
    def kind_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, TokenKind) and event.value is not self.kind:
            self.kind = event.value
            self.resource = None
            self._fill_scopes()
            self._kind_changed()

    @on(Select.Changed, "#variant")
    def variant_chosen(self, event: Select.Changed) -> None:
        fine = event.value == FINE_GRAINED
        if fine != self.fine_grained:
            self.fine_grained = fine
            self._kind_changed()

    @on(AccountPicker.Chosen)
    @on(Select.Changed, "#role")
    @on(Input.Changed, "#name")
    @on(Input.Changed, "#description")
    @on(Input.Changed, "#expires")
    @on(SelectionList.SelectedChanged)
    def field_changed(self) -> None:
        self._refresh_preview()

    @on(Input.Changed, "#target-search")
    def target_typed(self, event: Input.Changed) -> None:
        self.search_resources(event.value)

    def search_resources(self, text: str) -> Worker[None]:
        """Where the user may create this kind of token (GitLab's search, in a worker).

        As-you-type: a slow answer for "a" may land after the one for "acme", so
        each search is numbered and only the newest one's answer is shown. Not an
        exclusive worker: Textual could only mark the older one cancelled, never stop it.
        """
        return self._search(self.searches.next(), self.place, self.kind, text.strip())

    @work(thread=True, group="resources", exit_on_error=False)
    def _search(self, number: int, place: str, kind: TokenKind, text: str) -> None:
        try:
            found = self._load(place, kind, text)
        except ActionError as error:
            self.app.call_from_thread(self._resources_failed, number, error.message)
            return
        self.app.call_from_thread(self._show_resources, number, found)

    def _show_resources(self, number: int, found: list[Resource]) -> None:
        if not self.searches.is_current(number):
            return  # a newer search was typed: its answer is (or will be) shown
        self.resources = found
        targets = self.query_one("#targets", OptionList)
        targets.clear_options()
        for resource in found:
            label = f"{resource.type.value:<8} {printable(resource.path or str(resource.id))}"
            # GitLab's paths as Text: a str prompt would be parsed as markup
            targets.add_option(Option(Text(label)))
        if found:
            targets.highlighted = 0  # enter picks the first match at once
        else:
            targets.add_option(Option("nothing here where you have the role", disabled=True))

    def _resources_failed(self, number: int, message: str) -> None:
        if self.searches.is_current(number):
            self.query_one("#target-chosen", Static).update(printable_said(message))

    def worker_crashed(self, worker: Worker[Any], said: str) -> None:
        if worker.group == "resources":
            self.query_one("#target-chosen", Static).update(said)
        else:
            super().worker_crashed(worker, said)

    @on(OptionList.OptionSelected, "#targets")
    def target_chosen(self, event: OptionList.OptionSelected) -> None:
        if not 0 <= event.option_index < len(self.resources):
            return
        resource = self.resources[event.option_index]
        if self.kind in (TokenKind.PROJECT, TokenKind.GROUP) and resource.type.value != (
            self.kind.value
        ):
            self.query_one("#target-chosen", Static).update(
                f"a {self.kind.value} token needs a {self.kind.value}"
            )
            return
        self.resource = resource
        self.query_one("#target-chosen", Static).update(
            f"chosen: {resource.type.value} {printable(resource.path or str(resource.id))}"
        )
        if self.kind is TokenKind.SERVICE_ACCOUNT:
            self.query_one(AccountPicker).load(self.place, resource, self.start_account)
        self._refresh_preview()

    @on(Button.Pressed, "#create-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#create-go")
    def action_create(self) -> None:
        if self.running or self.request is None:
            return
        if self.form_url is not None:
            self.open_form(self.form_url)
            return
        place, request = self.place, self.request

        def send() -> Issued | FineGrainedUnavailable:
            try:
                return self._create(place, request)
            except FineGrainedUnavailable as unavailable:
                return unavailable  # not a failure: the legacy way is offered instead

        def done(issued: Issued | FineGrainedUnavailable | None) -> None:
            if isinstance(issued, FineGrainedUnavailable):
                self._no_fine_grained_here(issued.message)
            elif issued is None:
                self.failed("nothing was created")
            else:
                self.dismiss(Created(place, issued))

        self.perform(send, "creating…", done)

    def _no_fine_grained_here(self, message: str) -> None:
        """GitLab answered that it cannot make the fine-grained token: offer the legacy
        one (GitLab's form, for someone who is not an administrator), saying why."""
        said = printable_said(message)
        if not self.template.has_legacy(self.kind):
            self.failed(f"{said}; template {printable(self.template.id)!r} has no legacy scopes")
            return
        self.running = False
        self.set_busy(False)  # before the form is checked again, which may disable Create
        self._set_variant(False)
        self._kind_changed()
        self._say_error(f"{said}. The legacy token is shown instead.")

    @work(thread=True, group="browser", exit_on_error=False)
    def open_form(self, url: str) -> None:
        """Open GitLab's prefilled form in the browser (and copy its address)."""
        import webbrowser

        self.app.call_from_thread(self.app.copy_to_clipboard, url)
        opened = False
        try:
            opened = webbrowser.open(url)
        except webbrowser.Error:
            opened = False
        message = (
            "Opened GitLab's form in your browser (the address is on the clipboard too)."
            if opened
            else "No browser here: the address is on the clipboard and shown above."
        )
        self.app.call_from_thread(self.notify, message, timeout=5)

    def _set_variant(self, fine_grained: bool) -> None:
        """Fine-grained or legacy, in the pane's state and its Type row."""
        self.fine_grained = fine_grained
        self.query_one("#variant", Select).value = FINE_GRAINED if fine_grained else LEGACY

    def _say_error(self, message: str) -> None:
        self.query_one("#create-error", Static).update(message)

    @on(Button.Pressed, "#create-save")
    def save_as_template(self) -> None:
        if self._save is None or self.request is None:
            return
        template_id = self.query_one("#template-id", Input).value.strip()
        if not template_id:
            self.query_one("#create-error", Static).update("template id: give it a name")
            return
        lifetime = (self.request.expires_at - self.today).days
        table = template_table(self.request, self.request.name, lifetime)
        self.write_template(template_id, table)

    @work(thread=True, group="save", exit_on_error=False)
    def write_template(self, template_id: str, table: dict[str, object]) -> None:
        """Write the template into the config file (under its lock: off the loop)."""
        assert self._save is not None
        try:
            self._save(template_id, table)
        except (OSError, ValueError, DomainError) as error:
            message = f"could not save the template: {printable_said(str(error))}"
            self.app.call_from_thread(self._say_error, message)
            return
        self.app.call_from_thread(
            self.notify,
            f"Saved template {printable(template_id)!r} in the config file.",
            timeout=4,
            markup=False,
        )
