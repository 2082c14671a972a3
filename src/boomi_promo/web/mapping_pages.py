"""The Admin lane's Mapping Viewer: search and page the component mappings, edit a mapping's
prod component, delete a mapping (after a confirmation page) and seed connection mappings.

Every change goes through manageMappings, which checks it against Boomi and audits it; a
change that worked is told on the list it returns to, one that did not on the form it came
from, next to the input it is about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from boomi_promo.actions.accounts import DevAccountItem
from boomi_promo.actions.admin_setup import FindPrimaryComponentsResponse
from boomi_promo.actions.mapping_records import MappingItem
from boomi_promo.actions.mappings import MAX_CSV_CHARS
from boomi_promo.domain.component_types import COMPONENT_TYPES, CONNECTION_TYPE
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal
from boomi_promo.web import gateway
from boomi_promo.web.guards import Admin, container_of, verified_csrf
from boomi_promo.web.mapping_viewer import (
    PAGE_SIZE,
    MappingSearch,
    RowEdit,
    SeedForm,
    field_sentence,
)
from boomi_promo.web.package_list import parse_page
from boomi_promo.web.paging import PageView
from boomi_promo.web.session import flash, take_flash
from boomi_promo.web.templating import render

MAPPINGS_PATH = "/admin/mappings"
TYPE_CHOICES = sorted(COMPONENT_TYPES)

router = APIRouter(include_in_schema=False)

# The list's search and filters travel with every form, so each returns to the same view.
SearchText = Annotated[str, Form(alias="q")]
AccountFilter = Annotated[str, Form(alias="account")]
TypeFilter = Annotated[str, Form(alias="type")]
PageNumber = Annotated[str, Form(alias="page")]


def _search(q: str, account: str, component_type: str, page: str) -> MappingSearch:
    return MappingSearch(
        name_contains=q.strip(),
        dev_account_id=account.strip(),
        component_type=component_type.strip(),
        page=parse_page(page),
    )


async def _mapping_page(
    request: Request,
    principal: Principal,
    search: MappingSearch,
    *,
    seed: SeedForm | None = None,
    row_edit: RowEdit | None = None,
    finder: ConnectionFinder | None = None,
    import_result: ImportResult | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    container = container_of(request)
    finder = finder or ConnectionFinder()
    found_connections: FindPrimaryComponentsResponse | None = None
    if finder.asked:
        try:
            found_connections = await gateway.run(
                container,
                principal,
                "findPrimaryComponents",
                finder.payload(),
                FindPrimaryComponentsResponse,
            )
        except PromoError as exc:
            finder.problem = exc.message
    accounts: list[DevAccountItem] = []
    page: PageView[MappingItem] | None = None
    try:
        accounts = await gateway.dev_accounts(container, principal)
        found = await gateway.manage_mappings(container, principal, search.payload())
        page = PageView(
            items=found.mappings, total=found.total_count, number=search.page, size=PAGE_SIZE
        )
    except PromoError as exc:
        error = error or field_sentence(exc)
        status_code = status_code if status_code != 200 else exc.status_code
    return render(
        request,
        "admin_mappings.html",
        {
            "search": search,
            "page": page,
            "accounts": accounts,
            "account_names": {a.account_id: a.account_name for a in accounts},
            "component_types": TYPE_CHOICES,
            "seed": seed or SeedForm(),
            "row_edit": row_edit,
            "finder": finder,
            "found_connections": found_connections,
            "import_result": import_result or ImportResult(),
            "error": error,
            "notice": take_flash(request),
        },
        principal=principal,
        active="admin-mappings",
        status_code=status_code,
    )


@router.get(MAPPINGS_PATH, name="admin_mappings")
async def mapping_viewer(
    request: Request,
    principal: Admin,
    q: str = "",
    account: str = "",
    component_type: Annotated[str, Query(alias="type")] = "",
    page: str = "1",
    find: str = "",
    folder: str = "",
    seed_prod: str = "",
) -> Response:
    """``find``/``folder`` search the primary account's connections; ``seed_prod`` fills the
    seed form's prod connection with the one picked from that search."""
    return await _mapping_page(
        request,
        principal,
        _search(q, account, component_type, page),
        seed=SeedForm(prod_component_id=seed_prod.strip()),
        finder=ConnectionFinder(name=find.strip(), folder=folder.strip()),
    )


@router.post(f"{MAPPINGS_PATH}/update", dependencies=[Depends(verified_csrf)])
async def update_mapping(
    request: Request,
    principal: Admin,
    dev_account_id: Annotated[str, Form(alias="devAccountId")] = "",
    dev_component_id: Annotated[str, Form(alias="devComponentId")] = "",
    prod_component_id: Annotated[str, Form(alias="prodComponentId")] = "",
    q: SearchText = "",
    account: AccountFilter = "",
    component_type: TypeFilter = "",
    page: PageNumber = "1",
) -> Response:
    search = _search(q, account, component_type, page)
    edit = RowEdit(dev_account_id.strip(), dev_component_id.strip(), prod_component_id.strip(), "")
    if not edit.prod_component_id:
        return await _mapping_page(
            request,
            principal,
            search,
            row_edit=RowEdit(
                edit.dev_account_id,
                edit.dev_component_id,
                "",
                "Prod component id: enter the id of the prod component to map to.",
            ),
            status_code=400,
        )
    try:
        changed = await gateway.manage_mappings(
            container_of(request),
            principal,
            {
                "action": "update",
                "devAccountId": edit.dev_account_id,
                "devComponentId": edit.dev_component_id,
                "prodComponentId": edit.prod_component_id,
            },
        )
    except PromoError as exc:
        failed = RowEdit(
            edit.dev_account_id, edit.dev_component_id, edit.prod_component_id, field_sentence(exc)
        )
        return await _mapping_page(
            request, principal, search, row_edit=failed, status_code=exc.status_code
        )
    name = changed.mappings[0].component_name if changed.mappings else edit.dev_component_id
    flash(request, f"The mapping of {name} now points at prod component {edit.prod_component_id}.")
    return RedirectResponse(search.url(), status_code=303)


@router.post(f"{MAPPINGS_PATH}/delete", dependencies=[Depends(verified_csrf)])
async def delete_mapping(
    request: Request,
    principal: Admin,
    dev_account_id: Annotated[str, Form(alias="devAccountId")] = "",
    dev_component_id: Annotated[str, Form(alias="devComponentId")] = "",
    component_name: Annotated[str, Form(alias="componentName")] = "",
    prod_component_id: Annotated[str, Form(alias="prodComponentId")] = "",
    confirmed: Annotated[str, Form()] = "",
    q: SearchText = "",
    account: AccountFilter = "",
    component_type: TypeFilter = "",
    page: PageNumber = "1",
) -> Response:
    search = _search(q, account, component_type, page)
    target = {
        "dev_account_id": dev_account_id.strip(),
        "dev_component_id": dev_component_id.strip(),
        "component_name": component_name.strip() or dev_component_id.strip(),
        "prod_component_id": prod_component_id.strip(),
    }
    if confirmed != "yes":
        return render(
            request,
            "admin_mapping_delete.html",
            {"target": target, "search": search},
            principal=principal,
            active="admin-mappings",
        )
    try:
        await gateway.manage_mappings(
            container_of(request),
            principal,
            {
                "action": "delete",
                "devAccountId": target["dev_account_id"],
                "devComponentId": target["dev_component_id"],
            },
        )
    except PromoError as exc:
        return await _mapping_page(
            request, principal, search, error=field_sentence(exc), status_code=exc.status_code
        )
    flash(
        request,
        f"Deleted the mapping of {target['component_name']} "
        f"(dev component {target['dev_component_id']} in {target['dev_account_id']}).",
    )
    return RedirectResponse(search.url(), status_code=303)


@router.post(f"{MAPPINGS_PATH}/seed", dependencies=[Depends(verified_csrf)])
async def seed_connection(
    request: Request,
    principal: Admin,
    prod_component_id: Annotated[str, Form(alias="prodComponentId")] = "",
    dev_account_ids: Annotated[list[str] | None, Form(alias="devAccountId")] = None,
    dev_component_ids: Annotated[list[str] | None, Form(alias="devComponentId")] = None,
    add_row: Annotated[str, Form()] = "",
    q: SearchText = "",
    account: AccountFilter = "",
    component_type: TypeFilter = "",
    page: PageNumber = "1",
) -> Response:
    search = _search(q, account, component_type, page)
    seed = SeedForm.submitted(prod_component_id, dev_account_ids or [], dev_component_ids or [])
    if add_row:
        return await _mapping_page(request, principal, search, seed=seed.with_another_row())
    if not seed.check():
        return await _mapping_page(request, principal, search, seed=seed, status_code=400)
    try:
        seeded = await gateway.manage_mappings(container_of(request), principal, seed.payload())
    except PromoError as exc:
        seed.refused(exc)
        return await _mapping_page(
            request, principal, search, seed=seed, status_code=exc.status_code
        )
    count = len(seeded.mappings)
    flash(
        request,
        f"Seeded {count} connection mapping{'' if count == 1 else 's'} "
        f"to prod connection {seed.prod_component_id}.",
    )
    return RedirectResponse(search.url(), status_code=303)


@dataclass
class ConnectionFinder:
    """The search for a primary-account connection to seed mappings to, by name and folder."""

    name: str = ""
    folder: str = ""
    problem: str = ""

    @property
    def asked(self) -> bool:
        return bool(self.name or self.folder)

    def payload(self) -> dict[str, str]:
        return {
            "nameContains": self.name,
            "folderContains": self.folder,
            "componentType": CONNECTION_TYPE,
        }


@dataclass
class ImportResult:
    """What the last CSV upload did, or why it did nothing."""

    message: str = ""
    problems: list[str] = field(default_factory=list)
    ok: bool = False


@router.post(f"{MAPPINGS_PATH}/import", dependencies=[Depends(verified_csrf)])
async def import_mappings(
    request: Request,
    principal: Admin,
    file: Annotated[UploadFile | None, File()] = None,
    dry_run: Annotated[str, Form(alias="dryRun")] = "",
) -> Response:
    search = MappingSearch()
    text = ""
    problem = ""
    if file is None or not file.filename:
        problem = "Choose a CSV file to import."
    else:
        raw = await file.read(MAX_CSV_CHARS + 1)
        if len(raw) > MAX_CSV_CHARS:
            problem = f"The file is larger than {MAX_CSV_CHARS // (1024 * 1024)} MB."
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                problem = "The file is not UTF-8 text; save it as CSV (UTF-8) and try again."
    if problem:
        return await _mapping_page(
            request, principal, search, import_result=ImportResult(problem), status_code=400
        )
    checking = bool(dry_run)
    try:
        done = await gateway.manage_mappings(
            container_of(request),
            principal,
            {"action": "importCsv", "csvText": text, "dryRun": checking},
        )
    except PromoError as exc:
        problems = exc.details.get("problems")
        listed = [str(p) for p in problems] if isinstance(problems, list) else []
        message = "Nothing was imported." if listed else field_sentence(exc)
        return await _mapping_page(
            request,
            principal,
            search,
            import_result=ImportResult(message, listed),
            status_code=exc.status_code,
        )
    counts = f"{done.created} created, {done.updated} updated, {done.unchanged} unchanged"
    if checking:
        return await _mapping_page(
            request,
            principal,
            search,
            import_result=ImportResult(
                f"The file is valid; importing it would leave {counts}. Nothing was written.",
                ok=True,
            ),
        )
    flash(request, f"Imported {file.filename if file else 'the file'}: {counts}.")
    return RedirectResponse(search.url(), status_code=303)
