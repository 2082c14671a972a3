"""Promoted forms main is known to hold: UNCHANGED without reading (issue 16).

:mod:`boomi_promo.domain.promoted_form` keys a component's promoted form. Main's side is kept in
``main_component_form`` (per prod component: the key of the form main holds, and the version):

* a production deployment records what its merge brought (:func:`record_merged_forms`) — only
  components the branch still held at the version the promotion wrote (nobody edited them on
  the branch since) and those the promotion kept UNCHANGED;
* a promotion's delta records what it found equal by reading (:func:`record_main_forms`).

A promotion then asks :func:`known_unchanged`: a component whose key is the recorded one, while
main's current version (ComponentMetadata, a hundred a call) is still the recorded version, is
UNCHANGED without reading its dev document or main's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from boomi_promo.boomi.client import BULK_MAX, BoomiClient
from boomi_promo.domain.promoted_form import promoted_form_key
from boomi_promo.domain.result_detail import ComponentOutcome
from boomi_promo.engine.folders import promoted_path
from boomi_promo.engine.tree import DependencyTree
from boomi_promo.store import UnitOfWork

RULE_MODULES = (
    "component_xml",
    "delta",
    "references",
    "secret_names",
    "secret_values",
    "secrets",
)
"""The domain modules a promoted form (and its comparison) is made by."""

FORMS_KEY = "promotedForms"
"""Where a promotion's results record the key of each component's form (dev id → key)."""


def _rules_digest() -> str:
    digest = hashlib.sha256()
    domain = resources.files("boomi_promo.domain")
    for module in RULE_MODULES:
        digest.update(module.encode())
        digest.update(domain.joinpath(f"{module}.py").read_bytes())
    return digest.hexdigest()[:16]


RULES = _rules_digest()
"""The rules' own fingerprint: any change to how forms are made or compared changes every key,
so nothing recorded under older rules is trusted."""


def form_key(tree: DependencyTree, dev_component_id: str, id_map: Mapping[str, str]) -> str | None:
    """The key of a component's promoted form with references rewritten by ``id_map``; ``None``
    while a reference has no prod id yet (or the walk gave no version)."""
    component = tree.components[dev_component_id]
    references = tree.references[dev_component_id] - {dev_component_id}
    if component.version is None or not references <= id_map.keys():
        return None
    return promoted_form_key(
        rules=RULES,
        dev_component_id=dev_component_id,
        dev_version=component.version,
        folder="/".join(promoted_path(component.folder_full_path)),
        references={ref: id_map[ref] for ref in references},
    )


@dataclass(frozen=True, slots=True)
class KnownForm:
    prod_component_id: str
    form_key: str


async def known_unchanged(
    boomi: BoomiClient, uow: UnitOfWork, prod_account_id: str, forms: Mapping[str, KnownForm]
) -> dict[str, int]:
    """Of ``forms`` (dev id → the prod component and the key it would be written with), those
    main holds already: dev id → main's version. Main's current versions are read only for the
    components whose key was recorded."""
    recorded = await uow.main_forms.get_many(
        prod_account_id, (f.prod_component_id for f in forms.values())
    )
    matching = {
        dev_id: recorded[f.prod_component_id].main_version
        for dev_id, f in forms.items()
        if f.prod_component_id in recorded and recorded[f.prod_component_id].form_key == f.form_key
    }
    if not matching:
        return {}
    on_main = await main_versions(boomi, (forms[dev_id].prod_component_id for dev_id in matching))
    return {
        dev_id: version
        for dev_id, version in matching.items()
        if on_main.get(forms[dev_id].prod_component_id) == version
    }


async def main_versions(boomi: BoomiClient, prod_component_ids: Iterable[str]) -> dict[str, int]:
    """Main's current version of each component, a hundred a call (missing ones left out)."""
    ids = list(dict.fromkeys(prod_component_ids))
    found: dict[str, int] = {}
    for start in range(0, len(ids), BULK_MAX):
        for item in await boomi.bulk_get_component_metadata(ids[start : start + BULK_MAX]):
            row = item.result
            if row is not None and not row.deleted and row.version:
                found[item.id] = row.version
    return found


async def record_main_forms(
    uow: UnitOfWork, prod_account_id: str, held: Mapping[str, tuple[str, int]]
) -> None:
    """Main holds these forms: prod id → (key, main's version)."""
    for prod_id, (key, version) in sorted(held.items()):
        await uow.main_forms.record(prod_account_id, prod_id, form_key=key, main_version=version)


def forms_of(results: Iterable[ComponentOutcome], keys: Mapping[str, str]) -> dict[str, str]:
    """Prod id → form key for the results a promotion holds whose key is known."""
    return {
        r.prod_component_id: keys[r.dev_component_id]
        for r in results
        if r.held and r.dev_component_id in keys
    }


async def record_merged_forms(
    uow: UnitOfWork,
    *,
    prod_account_id: str,
    results: Iterable[ComponentOutcome],
    keys: Mapping[str, str],
    branch_versions: Mapping[str, int],
    main_versions: Mapping[str, int],
) -> int:
    """After a merge: record the forms main now holds (in the caller's transaction).
    ``branch_versions``: each component's version on the branch just before the merge — a
    written component counts only if it is still the version the promotion wrote (an edit on
    the branch since is not its form); an UNCHANGED one only if main still holds the version it
    kept. ``main_versions``: main's versions right after the merge. How many were recorded."""
    results = list(results)
    forms = forms_of(results, keys)
    held: dict[str, tuple[str, int]] = {}
    for result in results:
        prod_id = result.prod_component_id
        if prod_id not in forms or prod_id not in main_versions:
            continue
        if result.action == "UNCHANGED":
            kept = main_versions[prod_id] == result.version
        else:
            kept = branch_versions.get(prod_id) == result.version
        if kept:
            held[prod_id] = (forms[prod_id], main_versions[prod_id])
    await record_main_forms(uow, prod_account_id, held)
    return len(held)
