"""What a component's promoted form is made of, as a key: recognising an unchanged component
without reading it (issue 16).

A promoted form (the dev document stripped, its references rewritten to prod ids, placed in its
mirrored folder) is a function of a few things only: the dev component and the version of it
read (a Boomi version never changes once written), the folder it is placed in, the prod ids
its references are rewritten to, and the rules that strip, rewrite and compare (their source,
as ``rules``: any change to them changes every key). :func:`promoted_form_key` digests those.

When main is known to hold the promoted form of key K at version V of a prod component, and
main's current version of it is still V, a promotion whose key is K again would write nothing
new: the component is UNCHANGED without reading either document. Anything else — another dev
version, a remapped connection, a moved folder, someone's edit on main (a new version), other
rules — gives another key or version, and the component is compared by reading as before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping


def promoted_form_key(
    *,
    rules: str,
    dev_component_id: str,
    dev_version: int,
    folder: str,
    references: Mapping[str, str],
) -> str:
    """The key of the promoted form of ``dev_component_id`` at ``dev_version``.

    ``folder``: the mirrored folder path it is written to; ``references``: each component it
    references (dev id) → the prod id it is rewritten to.
    """
    content = json.dumps(
        {
            "rules": rules,
            "component": dev_component_id,
            "version": dev_version,
            "folder": folder,
            "references": sorted(references.items()),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()
