"""D packageAndDeploy (SPEC §6): package, Integration Pack, release — in four modes.

A deployment ships several packages: the prod root's, and one for each process a process
route calls. Those are INDEPENDENT references in Boomi (deployed on their own, not inside
the root's package), found by reading ComponentReference of the promotion's components on
the branch being packaged (:func:`package_contents`). Each package is recorded on the
promotion in ``resultDetail["packages"]`` with the prod components it holds (continuity and
R build branches from them); ``prodPackageId`` is the root's, made last, so once it is set
every package exists. All of them go into the pack and into its release.

* **Mode 1, Dev → Test** (CONTRIBUTOR+, no manual gate) on a COMPLETED promotion: the
  packages are made *from the promotion branch* (main is never touched), the branch is
  deleted, and the Test Integration Pack is found from history (the latest TEST_DEPLOYED
  promotion of the same process). Found: the components are added and the pack released →
  TEST_DEPLOYED. Not found: PENDING_PACK_ASSIGNMENT for an admin to finish with mode 4.
* **Mode 4, pack assignment** (ADMIN) on PENDING_PACK_ASSIGNMENT: TEST_DEPLOYING while the
  existing packages go into the chosen (or a new ``… - TEST``) pack, which is released →
  TEST_DEPLOYED; a failure or a crash ends TEST_DEPLOY_FAILED, retried as mode 1 (which finds
  the pack this run recorded, or asks for one again).
* **Mode 2, Test → Production** and **mode 3, hotfix** (ADMIN; started by S approve, or by D
  to retry an ADMIN_APPROVED or DEPLOY_FAILED one): the production pack is chosen or created
  and recorded first; the review branch is merged into main (OVERRIDE, source wins); once
  Boomi shows every promoted component on main, their mappings name those components, marked
  on main (idempotent: a retry after a crash between the merge and this step completes it,
  whether it merges again or the branch is gone already); the packages are made *from main*,
  added to the production pack and released; a hotfix is then released to the test pack as
  well (a failure there is recorded in ``error_message``, not fatal).
  → DEPLOYED, then the branch is deleted. A merge that fails (``MERGE_FAILED``), fails on
  components that conflict with main (``MERGE_CONFLICT``, naming them) or does not finish
  within ``merge_timeout_seconds`` (``MERGE_TIMEOUT``) ends DEPLOY_FAILED with the branch
  *kept*, so an admin can retry (DEPLOY_FAILED → DEPLOYING) or, when the failure is for good
  and main was not changed, abandon it (DEPLOY_FAILED → DEPLOY_ABANDONED, see ``abandon``).

A retry resumes from what exists: a package already recorded from the same branch is reused,
a pack already created or chosen is kept, a branch already deleted means its merge already
happened.

Release status is polled a bounded number of times (``release_status_polls``, every
``poll_interval_seconds``): ERROR fails the deployment,
IN_PROGRESS at the end of the bound is fine (checkReleaseStatus follows it later). A job
interrupted mid-deployment is compensated on restart: TEST_DEPLOYING → TEST_DEPLOY_FAILED,
DEPLOYING → DEPLOY_FAILED, with the reason "interrupted".

Database units of work stay short and are never held across a Boomi call.

Modules: `entry` (the mode, who may start it, the checks), one per mode (`to_test`,
`pack_assignment`, `production`), `releases` (packs and releases), `contents` (what ships),
`records` (store steps), `rules` (pure), `requests`, `recovery`, `history`; `abandon` ends a
DEPLOY_FAILED deployment whose merge never reached main (admin, abandonDeployment).
"""
