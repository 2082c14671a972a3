"""B (resolveDependencies) + C (executePromotion) against the emulator at Boomi's pace.

The emulator answers every call after ``--latency`` seconds and allows ``--rate`` requests per
second (503 beyond, as Boomi), counted against the primary account as Boomi does unless the
account has ``overrideAccountRateLimit``; the service runs in this process (SQLite, its own
rate limiter at the same rate, counting the same way), once per client call mode, on generated
dev trees of each ``--sizes``. For each run: wall time of B + C, the Boomi calls the emulator
logged (per effective account, and any 503), calls per component, and the floor: calls ÷ rate,
the time those calls need at the rate limit with no other cost. The busiest effective
account's calls ÷ rate is shown too: the bound when each account has its own limit.

    .venv/bin/python -m benchmarks.promotions --sizes 10 50 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import SecretStr

from benchmarks.reporting import table, write_results
from benchmarks.servers import serve_in_thread
from boomi_promo.actions.runner import execute_action
from boomi_promo.bootstrap import Container, bootstrap
from boomi_promo.config import BoomiSettings, Settings
from boomi_promo.demo import seed_generated_account_records
from boomi_promo.emulator.app import create_app
from boomi_promo.emulator.generated import GeneratedAccount, add_generated_dev_account
from boomi_promo.emulator.seed import DemoSeed, build_demo_state
from boomi_promo.emulator.state import EmulatorSettings, EmulatorState
from boomi_promo.identity.principal import Principal

CallMode = Literal["concurrent", "sequential"]
MODES: tuple[CallMode, ...] = ("concurrent", "sequential")
TEAM_GROUP = "ABC_BOOMI_FLOW_DEVTEAMBENCH"
FLOOR_TARGET = 1.25
SPEEDUP_TARGET = 2.5
SPEEDUP_SIZE = 50
"""The tree size the speed-up target is set for."""


@dataclass(frozen=True)
class RunResult:
    mode: str
    components: int
    resolve_seconds: float
    promote_seconds: float
    wall_seconds: float
    calls: int
    calls_by_account: dict[str, int]
    throttled: int
    """Calls the emulator answered 503, its rate-limit answer (counted in ``calls``)."""
    rate: float

    @property
    def calls_per_component(self) -> float:
        return self.calls / self.components

    @property
    def floor_seconds(self) -> float:
        return self.calls / self.rate

    @property
    def busiest_account_floor_seconds(self) -> float:
        """The limit is per account: the busiest one's calls ÷ rate is a harder lower bound."""
        return max(self.calls_by_account.values(), default=0) / self.rate

    @property
    def wall_over_floor(self) -> float:
        return self.wall_seconds / self.floor_seconds if self.floor_seconds else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "callsPerComponent": round(self.calls_per_component, 2),
            "floorSeconds": round(self.floor_seconds, 2),
            "busiestAccountFloorSeconds": round(self.busiest_account_floor_seconds, 2),
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
    data_dir: Path, emulator_url: str, seed: DemoSeed, mode: CallMode, rate: float
) -> Container:
    settings = Settings(
        data_dir=data_dir,
        log_json=True,
        boomi=BoomiSettings(
            base_url=emulator_url,
            primary_account_id=seed.primary_account_id,
            username=seed.username,
            api_token=SecretStr(seed.api_token),
            requests_per_second=rate,
            call_mode=mode,
        ),
    )
    return await bootstrap(settings)


async def _run_one(
    container: Container,
    state: EmulatorState,
    account: GeneratedAccount,
    mode: CallMode,
    rate: float,
) -> RunResult:
    principal = _principal(container)
    state.request_log.clear()
    started = time.perf_counter()
    resolved = await execute_action(
        container,
        "resolveDependencies",
        {"devAccountId": account.account_id, "rootComponentId": account.process_ids[0]},
        principal,
    )
    resolved_at = time.perf_counter()
    await execute_action(
        container,
        "executePromotion",
        {"devAccountId": account.account_id, "devPackageId": account.package_ids[0]},
        principal,
    )
    finished = time.perf_counter()
    entries = state.request_log.entries()
    if not getattr(resolved, "total_components", 0):
        raise RuntimeError(f"resolveDependencies found no tree for {account.process_ids[0]}")
    by_account = Counter(entry.account for entry in entries)
    return RunResult(
        mode=mode,
        components=account.components_per_tree,
        resolve_seconds=resolved_at - started,
        promote_seconds=finished - resolved_at,
        wall_seconds=finished - started,
        calls=len(entries),
        calls_by_account=dict(by_account),
        throttled=sum(1 for entry in entries if entry.status == 503),
        rate=rate,
    )


async def benchmark(
    sizes: list[int], modes: list[CallMode], latency: float, rate: float, log_file: Path
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
                    result = await _run_one(
                        containers[mode], state, accounts[(mode, size)], mode, rate
                    )
                    results.append(result)
                    print(
                        f"  {mode:>10} {size:>4} components: {result.wall_seconds:6.1f} s, "
                        f"{result.calls} calls",
                        flush=True,
                    )
        finally:
            for container in containers.values():
                await container.aclose()
    return results


def report(results: list[RunResult]) -> str:
    rows = [
        [
            r.mode,
            r.components,
            r.resolve_seconds,
            r.promote_seconds,
            r.wall_seconds,
            r.calls,
            r.calls_per_component,
            r.throttled,
            r.floor_seconds,
            r.busiest_account_floor_seconds,
            r.wall_over_floor,
        ]
        for r in results
    ]
    headers = [
        "mode",
        "components",
        "B s",
        "C s",
        "B+C s",
        "calls",
        "calls/comp",
        "503s",
        "floor s",
        "busiest acct s",
        "wall/floor",
    ]
    lines = [table(headers, rows), ""]
    by_key = {(r.mode, r.components): r for r in results}
    for size in sorted({r.components for r in results}):
        fast, slow = by_key.get(("concurrent", size)), by_key.get(("sequential", size))
        if fast is None:
            continue
        verdict = "meets" if fast.wall_over_floor <= FLOOR_TARGET else "misses"
        line = (
            f"{size} components: concurrent at {fast.wall_over_floor:.2f}x the floor "
            f"({verdict} the {FLOOR_TARGET}x target)"
        )
        if slow is not None:
            speedup = slow.wall_seconds / fast.wall_seconds
            line += f"; {speedup:.2f}x faster than sequential"
            if size == SPEEDUP_SIZE:
                line += f" (target {SPEEDUP_TARGET}x)"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 200])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per emulator call")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second per account")
    parser.add_argument("--label", default="", help="stored with the results (e.g. 'before')")
    args = parser.parse_args()
    log_file = Path(tempfile.gettempdir()) / "promo-bench-promotions.log"
    print(f"Service logs: {log_file}")
    results = asyncio.run(benchmark(args.sizes, args.modes, args.latency, args.rate, log_file))
    print(report(results))
    path = write_results(
        "promotions",
        {
            "label": args.label,
            "latencySeconds": args.latency,
            "requestsPerSecond": args.rate,
            "runs": [r.to_json() for r in results],
        },
    )
    print(f"\nWritten: {path}")


if __name__ == "__main__":
    main()
