"""B (resolveDependencies) + C (executePromotion) against the emulator at Boomi's pace: three
engines side by side, on a first promotion, an unchanged one and one with a single change.

The emulator answers every call after ``--latency`` seconds and allows ``--rate`` requests per
second (503 beyond, as Boomi), counted against the primary account as Boomi does unless the
account has ``overrideAccountRateLimit``; the service runs in this process (SQLite, its own
rate limiter at the same rate, counting the same way). Each engine gets its own generated dev
tree of each ``--sizes`` and runs, in order:

* ``first`` — B + C of a tree never promoted (everything is created);
* ``unchanged`` — B + C again once that promotion reached production (its branch merged into
  main, as an approved deployment does), nothing changed in dev;
* ``one-change`` — B + C once that reached production too, after one profile of the tree
  changed in dev.

The engines (``--modes``):

* ``per-component`` — the engine before issue 16, kept as the baseline: a document, a folder
  a call, and every component written (``PROMO_BOOMI__BULK_READS=false``,
  ``PROMO_PROMOTION__DELTA=false``);
* ``sequential`` — the public design's way: the same, one call at a time with a fixed pause;
* ``bulk-delta`` — the default since issue 16: bulk reads (five documents, a hundred metadata
  or folders a call) and delta promotions (an unchanged component is not written).

C is given the components B listed, as the dashboard's Promote form does (the review the
promotion must match; the walk reads them ahead). For each run: wall times of B and C, the
Boomi calls the emulator logged (in B, in C, per effective account, any 503), component
writes, calls per component, and the floor: calls ÷ rate, the time those calls need at the
rate limit with nothing else costing time. Boomi counts every call against the primary
account, so that floor is the busiest account's.

    .venv/bin/python -m benchmarks.promotions --sizes 50 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from benchmarks.reporting import table, write_results
from benchmarks.servers import serve_in_thread
from boomi_promo.actions.runner import execute_action
from boomi_promo.bootstrap import Container, bootstrap
from boomi_promo.config import BoomiSettings, PromotionSettings, Settings
from boomi_promo.demo import seed_generated_account_records
from boomi_promo.domain.result_detail import HELD_ACTIONS
from boomi_promo.domain.statuses import PromotionStatus
from boomi_promo.emulator.app import create_app
from boomi_promo.emulator.control import LoggedRequest
from boomi_promo.emulator.generated import GeneratedAccount, add_generated_dev_account
from boomi_promo.emulator.seed.build import build_demo_state
from boomi_promo.emulator.seed.world import DemoSeed
from boomi_promo.emulator.state.core import EmulatorSettings
from boomi_promo.emulator.state.world import EmulatorState
from boomi_promo.engine.branches import MAIN_BRANCH, merge_branch
from boomi_promo.engine.deployment.contents import current_versions
from boomi_promo.engine.mapping_history import mark_reached_main
from boomi_promo.engine.promoted_forms import FORMS_KEY, record_merged_forms
from boomi_promo.errors import PromoError
from boomi_promo.identity.principal import Principal

TEAM_GROUP = "ABC_BOOMI_FLOW_DEVTEAMBENCH"
MODES: dict[str, dict[str, Any]] = {
    "per-component": {"call_mode": "concurrent", "bulk_reads": False, "delta": False},
    "sequential": {"call_mode": "sequential", "bulk_reads": False, "delta": False},
    "bulk-delta": {"call_mode": "concurrent", "bulk_reads": True, "delta": True},
}
NEW_MODE = "bulk-delta"
SCENARIOS = ("first", "unchanged", "one-change")
COMPONENT_WRITE = re.compile(r"/Component(/(?!bulk$)[^/]+)?$")

# The targets of issue 16, for the new engine.
FIRST_CALLS_PER_COMPONENT = 1.6
FIRST_WALL_OVER_FLOOR = 1.2
FIRST_SECONDS_AT_200 = 30.0
UNCHANGED_CALLS_PER_COMPONENT = 0.3
ONE_CHANGE_CALLS_PER_COMPONENT = 0.4
ONE_CHANGE_SIZE = 50


@dataclass(frozen=True)
class RunResult:
    mode: str
    scenario: str
    components: int
    resolve_seconds: float
    promote_seconds: float
    resolve_calls: int
    promote_calls: int
    calls_by_account: dict[str, int]
    writes: int
    """Component creates and updates sent to Boomi."""
    outcome: str
    """``COMPLETED``, or the error code C answered (``NOTHING_TO_PROMOTE``)."""
    throttled: int
    """Calls the emulator answered 503, its rate-limit answer (counted in the calls)."""
    rate: float
    load_average: float = 0.0
    """The machine's 1-minute load average as the run started (the machine is shared)."""

    @property
    def wall_seconds(self) -> float:
        return self.resolve_seconds + self.promote_seconds

    @property
    def calls(self) -> int:
        return self.resolve_calls + self.promote_calls

    @property
    def calls_per_component(self) -> float:
        return self.calls / self.components

    @property
    def promote_calls_per_component(self) -> float:
        return self.promote_calls / self.components

    @property
    def floor_seconds(self) -> float:
        """Every call counts against the primary account: all of them ÷ rate."""
        return self.calls / self.rate

    @property
    def busiest_effective_account_seconds(self) -> float:
        """The bound if each account had its own limit (``overrideAccountRateLimit``)."""
        return max(self.calls_by_account.values(), default=0) / self.rate

    @property
    def wall_over_floor(self) -> float:
        return self.wall_seconds / self.floor_seconds if self.floor_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "wallSeconds": round(self.wall_seconds, 2),
            "calls": self.calls,
            "callsPerComponent": round(self.calls_per_component, 3),
            "promoteCallsPerComponent": round(self.promote_calls_per_component, 3),
            "floorSeconds": round(self.floor_seconds, 2),
            "busiestEffectiveAccountSeconds": round(self.busiest_effective_account_seconds, 2),
            "wallOverFloor": round(self.wall_over_floor, 3),
        }


def _principal(container: Container) -> Principal:
    groups = container.settings.groups
    return Principal.from_groups(
        email="bench.developer@example.com",
        name="Bench Developer",
        groups=[groups.contributor, TEAM_GROUP],
        settings=groups,
    )


async def _service(
    data_dir: Path, emulator_url: str, seed: DemoSeed, mode: str, rate: float
) -> Container:
    engine = MODES[mode]
    settings = Settings(
        data_dir=data_dir,
        log_json=True,
        boomi=BoomiSettings(
            base_url=emulator_url,
            primary_account_id=seed.primary_account_id,
            username=seed.username,
            api_token=SecretStr(seed.api_token),
            requests_per_second=rate,
            call_mode=engine["call_mode"],
            bulk_reads=engine["bulk_reads"],
        ),
        promotion=PromotionSettings(delta=engine["delta"]),
    )
    return await bootstrap(settings)


class _Bench:
    """One engine on one generated tree: its runs, and production reached in between."""

    def __init__(
        self,
        container: Container,
        state: EmulatorState,
        account: GeneratedAccount,
        mode: str,
        rate: float,
    ) -> None:
        self.container = container
        self.state = state
        self.account = account
        self.mode = mode
        self.rate = rate
        self.principal = _principal(container)

    async def run(self, scenario: str) -> RunResult:
        self.state.request_log.clear()
        load_average = round(os.getloadavg()[0], 2)
        started = time.perf_counter()
        resolved = await execute_action(
            self.container,
            "resolveDependencies",
            {"devAccountId": self.account.account_id, "rootComponentId": self._root},
            self.principal,
        )
        if not getattr(resolved, "total_components", 0):
            raise RuntimeError(f"resolveDependencies found no tree for {self._root}")
        resolved_at = time.perf_counter()
        resolve_calls = len(self.state.request_log.entries())
        outcome = "COMPLETED"
        promotion_id = ""
        # As the dashboard's Promote form does: C gets the components B showed for review.
        reviewed = [
            {"componentId": item.component_id} for item in getattr(resolved, "dependencies", [])
        ]
        try:
            promoted = await execute_action(
                self.container,
                "executePromotion",
                {
                    "devAccountId": self.account.account_id,
                    "devPackageId": self._package,
                    "components": reviewed,
                },
                self.principal,
            )
            promotion_id = str(getattr(promoted, "promotion_id", ""))
        except PromoError as exc:
            if exc.error_code != "NOTHING_TO_PROMOTE":
                raise
            outcome = exc.error_code
        finished = time.perf_counter()
        entries = self.state.request_log.entries()
        promote_entries = entries[resolve_calls:]
        result = RunResult(
            mode=self.mode,
            scenario=scenario,
            components=self.account.components_per_tree,
            resolve_seconds=resolved_at - started,
            promote_seconds=finished - resolved_at,
            resolve_calls=resolve_calls,
            promote_calls=len(promote_entries),
            calls_by_account=dict(Counter(entry.account for entry in entries)),
            writes=_writes(promote_entries),
            outcome=outcome,
            throttled=sum(1 for entry in entries if entry.status == 503),
            rate=self.rate,
            load_average=load_average,
        )
        if promotion_id:
            await self._reach_production(promotion_id)
        return result

    async def change_one_profile(self) -> None:
        """A new dev version of the tree's first profile: its description only."""
        boomi = self.container.boomi
        dev = self.account.account_id
        with self.state.lock:
            profile = next(
                record.component_id
                for record in self.state.components.values()
                if record.account_id == dev
                and max(record.revisions.values(), key=lambda r: r.version).type.startswith(
                    "profile"
                )
            )
        current = await boomi.get_component(profile, override_account=dev)
        edited = current.xml.replace(b"</bns:description>", b" (changed)</bns:description>", 1)
        await boomi.update_component(profile, edited, override_account=dev)

    @property
    def _root(self) -> str:
        return self.account.process_ids[0]

    @property
    def _package(self) -> str:
        return self.account.package_ids[0]

    async def _reach_production(self, promotion_id: str) -> None:
        """What an approved production deployment leaves: the branch merged into main and
        deleted, the mappings on main, the promotion DEPLOYED (not measured)."""
        boomi = self.container.boomi
        async with self.container.uow_factory() as uow:
            promotion = await uow.promotions.get(promotion_id)
        assert promotion is not None and promotion.branch_id
        main = await boomi.find_branch_by_name(MAIN_BRANCH)
        assert main is not None
        results = promotion.detail.promotion_results
        written = [r.prod_component_id for r in results if r.held and r.action != "UNCHANGED"]
        branch_versions = await current_versions(boomi, written, branch_id=promotion.branch_id)
        await merge_branch(
            boomi,
            self.container.settings.boomi,
            promotion.branch_id,
            main.id,
            note="benchmark: to production",
            describing="the promotion branch into main",
        )
        await boomi.delete_branch(promotion.branch_id)
        main_now = await current_versions(
            boomi, [r.prod_component_id for r in results if r.held], branch_id=None
        )
        async with self.container.uow_factory() as uow:
            record = await uow.promotions.get_for_update(promotion_id)
            assert record is not None
            record.status = PromotionStatus.DEPLOYED
            record.branch_id = None
            await uow.promotions.update(record)
            # As the deployment marks and records them: what the merge shipped, the history
            # settled, the promoted forms main now holds.
            await record_merged_forms(
                uow,
                prod_account_id=promotion.prod_account_id,
                results=results,
                keys=promotion.detail.other.get(FORMS_KEY) or {},
                branch_versions=branch_versions,
                main_versions=main_now,
            )
            await mark_reached_main(
                uow,
                dev_account_id=record.dev_account_id,
                prod_account_id=record.prod_account_id,
                written=[r for r in results if r.action in HELD_ACTIONS],
                writer_id=promotion_id,
                promotion_ids=[promotion_id],
                actor=self.principal.email,
                main_versions=main_now,
            )
            await uow.commit()


def _writes(entries: list[LoggedRequest]) -> int:
    return sum(1 for e in entries if e.method == "POST" and COMPONENT_WRITE.search(e.path))


async def benchmark(
    sizes: list[int],
    modes: list[str],
    scenarios: list[str],
    latency: float,
    rate: float,
    log_file: Path,
) -> list[RunResult]:
    state, seed = build_demo_state()
    state.settings = EmulatorSettings(
        latency_seconds=latency, requests_per_second=rate, branch_limit=100
    )
    accounts = {
        (mode, size): add_generated_dev_account(
            state, name=f"Bench {mode} {size}", trees=1, components_per_tree=size, seed=size
        )
        for mode in modes
        for size in sizes
    }
    results: list[RunResult] = []
    with (
        serve_in_thread(create_app(state)) as emulator_url,
        tempfile.TemporaryDirectory(prefix="promo-bench-") as scratch,
        log_file.open("a") as log,
        contextlib.redirect_stderr(log),
    ):
        containers: dict[str, Container] = {}
        try:
            for mode in modes:
                container = await _service(Path(scratch) / mode, emulator_url, seed, mode, rate)
                containers[mode] = container
                for size in sizes:
                    await seed_generated_account_records(
                        container.uow_factory, accounts[(mode, size)], TEAM_GROUP
                    )
            for size in sizes:
                for mode in modes:
                    bench = _Bench(containers[mode], state, accounts[(mode, size)], mode, rate)
                    for scenario in SCENARIOS:
                        if scenario == "one-change":
                            await bench.change_one_profile()
                        result = await bench.run(scenario)
                        if scenario not in scenarios:
                            continue
                        results.append(result)
                        print(
                            f"  {mode:>13} {size:>4} {scenario:>10}: "
                            f"{result.wall_seconds:6.1f} s, {result.calls} calls, "
                            f"{result.writes} writes, {result.outcome}",
                            flush=True,
                        )
        finally:
            for container in containers.values():
                await container.aclose()
    return results


def report(results: list[RunResult]) -> str:
    rows = [
        [
            r.scenario,
            r.components,
            r.mode,
            r.resolve_seconds,
            r.promote_seconds,
            r.wall_seconds,
            r.resolve_calls,
            r.promote_calls,
            r.calls_per_component,
            r.promote_calls_per_component,
            r.writes,
            r.throttled,
            r.floor_seconds,
            r.wall_over_floor,
            r.outcome,
        ]
        for r in results
    ]
    headers = [
        "scenario",
        "components",
        "mode",
        "B s",
        "C s",
        "B+C s",
        "B calls",
        "C calls",
        "calls/comp",
        "C calls/comp",
        "writes",
        "503s",
        "floor s",
        "wall/floor",
        "C outcome",
    ]
    return "\n".join([table(headers, rows), "", *verdicts(results)])


def verdicts(results: list[RunResult]) -> list[str]:
    """The issue's targets for the new engine, met or missed by how much."""
    lines: list[str] = []
    found = {(r.mode, r.scenario, r.components): r for r in results}
    for size in sorted({r.components for r in results}):
        first = found.get((NEW_MODE, "first", size))
        if first is not None:
            lines.append(
                _verdict(
                    f"{size}: first promotion, calls per component (B + C)",
                    first.calls_per_component,
                    FIRST_CALLS_PER_COMPONENT,
                )
            )
            lines.append(
                _verdict(
                    f"{size}: first promotion, B + C wall time over the floor",
                    first.wall_over_floor,
                    FIRST_WALL_OVER_FLOOR,
                )
            )
            if size == 200:
                lines.append(
                    _verdict(
                        f"{size}: first promotion, B + C seconds",
                        first.wall_seconds,
                        FIRST_SECONDS_AT_200,
                    )
                )
        unchanged = found.get((NEW_MODE, "unchanged", size))
        if unchanged is not None:
            lines.append(_verdict(f"{size}: unchanged, writes", unchanged.writes, 0))
            lines.append(
                _verdict(
                    f"{size}: unchanged, calls per component (C; B + C "
                    f"{unchanged.calls_per_component:.2f})",
                    unchanged.promote_calls_per_component,
                    UNCHANGED_CALLS_PER_COMPONENT,
                )
            )
        changed = found.get((NEW_MODE, "one-change", size))
        if changed is not None:
            lines.append(_verdict(f"{size}: one change, writes", changed.writes, 1, exact=True))
            lines.append(
                _verdict(
                    f"{size}: one change, calls per component (C; B + C "
                    f"{changed.calls_per_component:.2f})",
                    changed.promote_calls_per_component,
                    ONE_CHANGE_CALLS_PER_COMPONENT,
                )
            )
    return lines


def _verdict(what: str, value: float, target: float, *, exact: bool = False) -> str:
    met = value == target if exact else value <= target
    if met:
        return f"{what}: {value:.2f} (target {target:g}) — met"
    over = value - target
    return f"{what}: {value:.2f} (target {target:g}) — MISSED by {over:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--modes", nargs="+", choices=list(MODES), default=list(MODES))
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per emulator call")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second per account")
    parser.add_argument("--label", default="", help="stored with the results (e.g. 'before')")
    args = parser.parse_args()
    log_file = Path(tempfile.gettempdir()) / "promo-bench-promotions.log"
    print(f"Service logs: {log_file}")
    results = asyncio.run(
        benchmark(args.sizes, args.modes, args.scenarios, args.latency, args.rate, log_file)
    )
    print(report(results))
    path = write_results(
        "promotions",
        {
            "label": args.label,
            "latencySeconds": args.latency,
            "requestsPerSecond": args.rate,
            "runs": [r.to_json() for r in results],
            "verdicts": verdicts(results),
        },
    )
    print(f"\nWritten: {path}")


if __name__ == "__main__":
    main()
