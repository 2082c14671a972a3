"""Dev Team A's batch jobs: enough packages that listing them needs ``queryMore``."""

from __future__ import annotations

from datetime import datetime, timedelta

from boomi_promo.emulator.seed.builder import Seeder
from boomi_promo.emulator.seed.content import Canvas, profile_json
from boomi_promo.emulator.seed.world import BATCH_PACKAGES_PER_PROCESS, BATCH_PROCESSES, TEAM_A_ID


def seed_batch_jobs(seeder: Seeder, at: datetime) -> None:
    """Six processes packaged twenty times each over many months, so listing needs paging."""
    shared = seeder.author(TEAM_A_ID, "bob@example.com", at)
    record = shared.add(
        "DevTeamA/Batch",
        "Batch Record JSON",
        "profile.json",
        profile_json("Record", ["id", "payload", "checksum"]),
    )

    def content(job: int, revision: int) -> str:
        read_id = (
            '<setproperties><properties><property name="recordId" type="profile_element" '
            f'profileId="{record}" element="Record/id"/></properties></setproperties>'
        )
        return (
            Canvas()
            .add("start", "", "<passthroughaction/>")
            .add("setproperties", f"Batch {job} r{revision}", read_id)
            .add("stop", "", '<stop continue="true"/>')
            .xml()
        )

    for job in range(1, BATCH_PROCESSES + 1):
        name = f"Batch Job {job:02d}"
        author = seeder.author(
            TEAM_A_ID, ("alice@example.com", "bob@example.com")[job % 2], at + timedelta(days=job)
        )
        process = author.add("DevTeamA/Batch", name, "process", content(job, 1))
        for revision in range(1, BATCH_PACKAGES_PER_PROCESS + 1):
            if revision > 1:
                author.at += timedelta(days=3 + (job * revision) % 11, hours=job)
                author.update(process, content(job, revision))
            author.package(process, f"{revision // 10}.{revision % 10}", f"{name} build {revision}")
