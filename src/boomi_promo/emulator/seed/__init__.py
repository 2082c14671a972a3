"""The demo world: a primary account, two dev sub-accounts, and their components and packages.

Everything is written through the same state operations the API uses, so references between
components are real ids in the content and ComponentReference derives the real trees.

* Dev Team A — "Orders Sync": a process whose packaged tree holds every promotable type
  (sub-process, process route → routed processes, two maps, map and process scripts, JSON /
  XML / flat-file / EDI / database profiles, operations, a cross-reference table) and four
  connections with secrets in every form (element text, attributes, ``<field value=…>``,
  ``<field>…</field>``, ``<EncryptedValue>``, ``<bns:encryptedValues>`` paths). All four
  connections have a shared production twin in the primary's ``#Connections`` folder.
* Dev Team A — "Invoice Export": its tree uses "Legacy FTP", a connection without a mapping.
* Dev Team A — "Customer Sync": promoted and deployed earlier; its production copies are on
  main in the primary account under ``Promoted/DevTeamA/Customers``.
* Dev Team A — six "Batch Job" processes packaged version after version: 120 packages more,
  so that listing the account's packages needs ``queryMore``.
* Dev Team B — "Inventory Feed" with its own mapped connection.
* The primary account's environments: "Test" (TEST) and "Production" (PROD).
* Client Co — a client sub-account with "Client Co Test" (TEST) and "Client Co Production"
  (PROD) where the Customer Sync process is installed: every environment-extension section is
  populated (keyed by the prod component ids), and each environment has a map extension.
  Its process-property component and cross-reference table have dev twins in Dev Team A
  (:attr:`DemoSeed.extension_components`); its trading partner, shared communication and PGP
  certificate exist only in the primary account.

Every secret value planted anywhere starts with ``s3cr3t-`` and is listed in
:attr:`DemoSeed.secret_values`; the shared production connections legitimately hold the
``s3cr3t-prod-`` ones.

The content helpers and the :class:`Seeder` / :class:`Author` builder are public: the
generated dev accounts of :mod:`boomi_promo.emulator.generated` are written with them.

Modules: `build` (:func:`build_demo_state`, the order of it all), `world` (accounts, ids and
:class:`DemoSeed`), `builder` and `content` (the public helpers), and one per part of the world:
`connections`, `team_a`, `team_b`, `batch_jobs`, `client`.
"""
