"""The demo's investigator story, through the real CLI of each port: a Rotterdam
investigator puts a vehicle on Rotterdam's list; it passes a Gent camera; Gent's control
room sees the alert; a Gent officer asks Rotterdam to confirm it, and Rotterdam
confirms; Rotterdam asks Gent for the details of the sighting, and Gent gives them.
Each step is told in plain words as it happens."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from gateway.demo.live import AlertStreams
from gateway.federation import LocalFederation, LocalNode

OWNER, OBSERVER = "nl-rotterdam", "be-gent"
# What the Rotterdam investigator types. A Dutch sidecode (XXX-99-X) that the synthetic
# traffic never produces, so only the story's own car carries it.
STORY_PLATE, STORY_COUNTRY = "GVZ-27-T", "NL"
STORY_CAMERA, STORY_SITE = "be-gent-gate-2-cam-1", "be-gent-gate-2"
STEP_TIMEOUT_S = 60.0
# How long each person takes to read a request before answering it: long enough for
# the open confirmation to show on the live view.
READING_TIME_S = 3.0

STEPS = (
    "entry added at nl-rotterdam",
    "entry held at be-gent",
    "alert at be-gent",
    "confirmation answered",
    "details answered",
)


@dataclass
class StoryResult:
    """Which steps happened, for the summary."""

    done: dict[str, str] = field(default_factory=dict)

    def mark(self, step: str, how: str) -> None:
        self.done[step] = how


class StoryStopped(Exception):
    """A step did not happen in time; the story ends there."""


class InvestigatorStory:
    def __init__(self, federation: LocalFederation, alerts: AlertStreams, console: Console) -> None:
        self._owner = federation[OWNER]
        self._observer = federation[OBSERVER]
        self._alerts = alerts
        self._console = console
        self._workdir = federation.workdir
        self.result = StoryResult()

    def run(self) -> StoryResult:
        try:
            self._tell()
        except (StoryStopped, RuntimeError) as stopped:
            self._say(f"[red]the story stops here: {stopped}[/]")
        return self.result

    def _tell(self) -> None:
        rotterdam, gent = self._owner, self._observer
        r_inv = rotterdam.home / "investigator.token"
        g_inv = gent.home / "investigator.token"
        g_cam = gent.home / "camera-adapter.token"

        self._say(
            f"[bold]nl-rotterdam[/], investigator: puts {STORY_PLATE} ({STORY_COUNTRY}) on "
            "Rotterdam's hotlist: drug trafficking, discreet check, do not alert the subject"
        )
        entry = json.loads(
            rotterdam.argos(
                "hotlist",
                "add",
                "--plate",
                STORY_PLATE,
                "--country",
                STORY_COUNTRY,
                "--category",
                "drug_trafficking",
                "--action",
                "discreet_check",
                "--flag",
                "do_not_alert_subject",
                "--contact",
                "Rotterdam port police, duty desk",
                "--case-reference",
                "ROT-2026-0412",
                "--expires-in-days",
                "30",
                "--justification",
                "suspected courier for cocaine shipments",
                "--json",
                token_file=r_inv,
            ).stdout
        )
        entry_id = entry.get("entry_id") or entry["entry"]["entry_id"]
        self.result.mark(STEPS[0], entry_id[:8])

        started = time.monotonic()
        self._wait(lambda: self._holds(gent, rotterdam), "Gent to receive the entry")
        self._say(
            f"[bold]be-gent[/]: its node holds the entry (a plate token, not the plate) "
            f"{time.monotonic() - started:.1f} s later, under a verified signed head"
        )
        self.result.mark(STEPS[1], "synced")

        self._say(f"the car drives past a Gent camera ({STORY_SITE})")
        read = self._workdir / "story-read.jsonl"
        read.write_text(
            json.dumps(
                {
                    "plate": STORY_PLATE,
                    "country": STORY_COUNTRY,
                    "confidence": 0.94,
                    "camera": STORY_CAMERA,
                    "site": STORY_SITE,
                    "direction": "in",
                    "image_ref": "img://be-gent/story.jpg",
                }
            )
            + "\n"
        )
        try:
            gent.argos("reads", "replay", str(read), token_file=g_cam)
        finally:
            read.unlink()
        alert = self._wait(lambda: self._alerts.find(OBSERVER, entry_id), "the alert at Gent")
        self._say(f"[bold]be-gent[/], control room operator sees: [red]{alert.describe()}[/]")
        self.result.mark(STEPS[2], alert.hit_id[:8])

        self._say(
            "[bold]be-gent[/], officer: asks Rotterdam whether the alert stands and what to do"
        )
        asked = self._ask(gent, g_inv, "alert", alert.hit_id, "GNT-2026-1187")
        self._answer(
            rotterdam,
            r_inv,
            asked,
            "--outcome",
            "confirmed",
            "--action",
            "discreet_check",
            "--note",
            "still sought; note who drives and where to, do not stop the vehicle",
        )
        self._say("[bold]nl-rotterdam[/], investigator: answers the request")
        answer = self._answered(gent, g_inv, asked)["answer"]
        outcome = answer.get("outcome", "").removeprefix("OUTCOME_").lower().replace("_", " ")
        self._say(
            f"[bold]be-gent[/] reads Rotterdam's answer: {outcome}, "
            f"action {answer.get('action', 'not given')}: {answer.get('note', '')}"
        )
        self.result.mark(STEPS[3], outcome)

        self._say("[bold]nl-rotterdam[/], investigator: asks Gent for the details of the sighting")
        details = self._ask(rotterdam, r_inv, "details", alert.hit_id, "ROT-2026-0412")
        self._answer(gent, g_inv, details)
        self._say("[bold]be-gent[/], officer: approves; Gent's node answers from its hit record")
        answer = self._answered(rotterdam, r_inv, details)["answer"]
        sightings = answer.get("sightings", [])
        for s in sightings:
            where = ", ".join(f"{k} {v}" for k, v in s.get("location", {}).items())
            self._say(
                f"[bold]nl-rotterdam[/] learns: seen {s.get('observed_at', '')} at {where}, "
                f"direction {s.get('direction', '?').removeprefix('READ_DIRECTION_').lower()}, "
                f"image {s.get('image_ref', '')}"
            )
        self.result.mark(STEPS[4], f"{len(sightings)} sighting(s)")

    # -- the people and their commands --------------------------------------------------

    def _ask(self, node: LocalNode, token, kind: str, hit_id: str, case: str) -> str:
        out = node.argos(
            "confirm",
            "request",
            "--kind",
            kind,
            "--hit",
            hit_id,
            "--purpose",
            "criminal_investigation",
            "--case-reference",
            case,
            "--json",
            token_file=token,
        )
        return json.loads(out.stdout)["request"]["request_id"]

    def _answer(self, node: LocalNode, token, request_id: str, *answer: str) -> None:
        def arrived() -> bool:
            shown = node.argos("confirm", "show", request_id, token_file=token, check=False)
            return shown.returncode == 0

        self._wait(arrived, f"the request to reach {node.node_id}")
        time.sleep(READING_TIME_S)
        node.argos("confirm", "answer", request_id, *answer, token_file=token)

    def _answered(self, node: LocalNode, token, request_id: str) -> dict[str, Any]:
        shown: dict[str, Any] = {}

        def answered() -> bool:
            shown.update(node.json("confirm", "show", request_id, token_file=token))
            return shown.get("state") == "CONFIRMATION_STATE_ANSWERED"

        self._wait(answered, f"the answer to reach {node.node_id}")
        return shown

    @staticmethod
    def _holds(recipient: LocalNode, provider: LocalNode) -> bool:
        """The recipient has applied everything the provider published to it."""
        published = {
            s["agreement_id"]: int(s["cursor"])
            for s in provider.json("sync", "status")
            if s["role"] == "provider" and s["partner"] == recipient.node_id
        }
        applied = {
            s["agreement_id"]: int(s["last_verified_head_seq"])
            for s in recipient.json("sync", "status")
            if s["role"] == "recipient" and s["partner"] == provider.node_id
        }
        return bool(published) and all(applied.get(a, -1) >= n for a, n in published.items())

    def _wait(self, predicate: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + STEP_TIMEOUT_S
        while True:
            found = predicate()
            if found:
                return found
            if time.monotonic() > deadline:
                raise StoryStopped(f"waited {STEP_TIMEOUT_S:.0f} s for {what}")
            time.sleep(0.3)

    def _say(self, text: str) -> None:
        self._console.print(f"[cyan]story[/] {text}", soft_wrap=True)
