"""Rolling a process back, in Test or in Production, to the version released before the current.

The history comes from the store and the truth about what runs from Boomi:

* every release this product requested is in the audit trail (``promotion.release_requested``
  on the promotion whose packages it shipped: the Integration Pack, the release type and the
  package version of every shipped component), and whether it ended in ERROR
  (``promotion.release_settled``);
* the Integration Pack itself (``PublisherIntegrationPack``) says which package version of the
  process's root component the environment runs now (``currentVersion``).

The current release is the newest one of the process into that pack whose root package version
is the one running; the previous release is the newest older one with another version, not
itself rolled back, not failed, of a promotion still standing (DEPLOYED in Production;
TEST_DEPLOYED, or a hotfix DEPLOYED, in Test). :func:`plan_rollback` works that out without
writing anything, and says what would happen; :func:`execute_rollback` does it:

1. **Production only — the restore branch.** Main still holds the newer content. The previous
   release's packages are opened one at a time as temporary branches
   (``promo-{restoreId}-src-N``, a branch made from a package holds that package's component
   versions) and each of the previous promotion's components is read there; the restore
   branch ``promo-{restoreId}`` is then made from main and every one of them written on it, so
   each gains a version holding the old content.
2. **The release.** The pack is released with the previous package versions of the shipped
   components (added back to the pack if they left it) and every other member at the version
   it runs now; the release status is read a bounded number of times and ERROR fails the
   rollback (502 ``RELEASE_FAILED``).
3. **The record.** The rolled-back promotion is marked (``resultDetail.rolledBack``, audited as
   ``promotion.rolled_back`` with the versions before and after); a rolled-back test
   deployment no longer runs in Test, so it ends TEST_CANCELLED (unless a production
   promotion made from it is live); in Production a restore promotion is recorded
   PENDING_PEER_REVIEW with the restore branch. It then goes through peer review (E3) and
   admin approval (S) like any other production promotion: approval merges the branch into
   main — main gains the old content as new versions — packages from main and releases the
   pack.

Before the release, what the record will say is written ahead (``rollback.started``), so a
crash between the release and the record is finished on restart (:func:`recover_rollback`):
Boomi's pack says whether the release happened; if it did, the record is written as planned,
else the restore branch goes and the failure is audited. A failure before the record deletes
the restore branch and is audited (``rollback.failed``); the release, if it happened, stands.

The history of a process is found by name; when two dev accounts promote processes of the
same name (two roots), the caller must say which (``devAccountId``), else 409
``AMBIGUOUS_PROCESS``.

Modules: `plan` (what would happen), `execute` (doing it, and resuming after a crash) with
`restore_branch`, `release` and `record` for its three steps, `intent` (what is written ahead),
`history` (the release history, pure), `errors`.
"""
