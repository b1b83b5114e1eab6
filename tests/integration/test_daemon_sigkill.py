#!/usr/bin/python3
"""The daemon (`pingwatch run --jobs watch`) SIGKILLed at random points of ~50 cycles and restarted each time on
the same SQLite state, against the local stack while nodes are lost, recover and vanish: every transition
reaches SNS in exactly one notice (distinct notice ids counted from the delivered emails), none lost, none
reported twice.

Each restart runs a cycle at once (the scheduler's run-at-start), so every life of the process is a cycle;
the stack adds 15-35 ms to each API call so that cycles last long enough for kills to land inside them.
A few lives are left running past the next aligned slot (watch.interval = 10 s, the shortest allowed) so the
scheduled cycle of a long-lived daemon is covered too. The random kill points scale with how long a life takes to
finish its first cycle (a loaded machine stretches it), and after a run of lives that all died before finishing
one, a life is let finish its cycle (then killed at once), so the waves advance under any load.

A node is only recovered after a cycle that started once SSM showed it ConnectionLost has finished: that
cycle committed the decision, so the expected set of transitions is exact (a fault that came and went
between two cycles would rightly produce no notice and is not part of the test)."""
import os
import random
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_watch_local_stack import BIN, ENV, Stack, notices_in_mail  # noqa: E402  (shared stack driver)

FAILURES = []
DOWN = {"lost", "stale", "unhealthy-at-start"}   # one of these opens an episode (stale when SSM is slower)


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


class Daemon:
    """One life of `pingwatch run --jobs watch`; its JSON log lines go to a file (never a pipe that could fill)."""

    def __init__(self, stack, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([BIN, "run", "--jobs", "watch", "--endpoint-url", stack.endpoint,
                                      "--region", "us-east-1"],
                                     stdout=self.log, stderr=subprocess.STDOUT, text=True, env=env)
        self.started = time.monotonic()

    def finished_cycles(self):
        with open(self.log_path) as f:
            return sum(1 for line in f if '"job":"watch"' in line and '"cycle finished' in line)

    def alive(self):
        return self.proc.poll() is None

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.log.close()
        return self.proc.returncode

    def wait_cycles(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive():
            if self.finished_cycles() >= n:
                return True
            time.sleep(0.02)
        return False

    def wait_first_cycle(self, timeout):
        """Seconds from the start to the first finished cycle (to 20 ms), or None."""
        return time.monotonic() - self.started if self.wait_cycles(1, timeout) else None


def main():
    t0 = time.monotonic()
    work = tempfile.mkdtemp(prefix="pingwatch-daemon-kill-")
    # 240 simulated seconds per wall second: ConnectionLost 10 sim-minutes (2.5 s) after an agent stops.
    stack = Stack(work, "--nodes", "300", "--time-scale", "240", "--connection-lost-after", "10",
                  "--fleet-seed", "17", "--latency", "15", "--jitter", "20", "--chaos-seed", "3", "--auto-confirm")
    daemon = None
    try:
        topic = stack.sns.create_topic(Name="daemon-kill")["TopicArn"]
        stack.sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="ops@example.com")
        env = dict(ENV,
                   PINGWATCH_WATCH_STATE=os.path.join(work, "watch.db"),
                   PINGWATCH_WATCH_TOPIC_ARN=topic,
                   PINGWATCH_WATCH_INTERVAL="10",
                   # Single notices only, so every transition is one email we can attribute.
                   PINGWATCH_WATCH_DIGEST_THRESHOLD="100000")
        ids = [n["instance_id"] for n in stack.nodes()]
        rng = random.Random(int(os.environ.get("PINGWATCH_KILL_SEED", "7")))
        waves = [ids[10 + 8 * k: 18 + 8 * k] for k in range(6)]   # 48 nodes, each down once and back once
        vanish = ids[1:4]                                          # deregistered, EC2 still running them

        # Wave state: "pending" -> "down" (faults injected) -> "seen" (a cycle that began after SSM showed it
        # ConnectionLost finished) -> "recovered" (recover injected).
        state = ["pending"] * len(waves)
        down_at_life = [None] * len(waves)
        lives, kills, kills_mid_cycle, long_lives, finished_total = 0, 0, 0, 0, 0
        # Kill points: "early" lives die within 1/3 of `span`, the others anywhere in it. span starts at 0.9 s
        # (start-up plus a cycle of this fleet on an idle machine: ~0.2-0.7 s) and follows 1.5 x the median
        # time to a first finished cycle measured in lives that waited for it.
        first_cycle_times, span = [], 0.9
        last_finished_life, progress_lives = 0, 0
        STALLED = 6   # lives in a row without a finished cycle before one is let finish its cycle

        def measured(t):
            nonlocal span
            if t is not None:
                first_cycle_times.append(t)
                span = max(0.9, 1.5 * sorted(first_cycle_times)[len(first_cycle_times) // 2])
        vanish_life = 6
        vanished_yet = False

        def start_wave(k):
            for i in waves[k]:
                stack.fault(i, "agent-stop")
            state[k] = "down"

        start_wave(0)
        lives_target = 50
        while lives < lives_target or any(s != "recovered" for s in state):
            if lives >= 200:   # a bound on a runaway loop; progress lives keep the waves moving long before it
                break
            nodes = {n["instance_id"]: n for n in stack.nodes()}
            # Which waves does SSM show fully ConnectionLost right now (before this life's cycle starts)?
            confirmed = [k for k, s in enumerate(state)
                         if s == "down" and all(nodes[i]["ping_status"] == "ConnectionLost" for i in waves[k])]
            for k in confirmed:
                if down_at_life[k] is None:
                    down_at_life[k] = lives
            # Deregistered once a cycle has finished (its baseline knows them): under load the first lives can all be
            # killed before any cycle commits, and a node never known cannot vanish.
            if not vanished_yet and lives >= vanish_life and finished_total > 0:
                for i in vanish:
                    stack.fault(i, "deregister")
                vanished_yet = True

            daemon = Daemon(stack, env, os.path.join(work, f"daemon-{lives}.log"))
            if lives in (20, 40):
                # A long life: the at-start cycle, then the scheduled one at the next 10 s slot, then killed.
                long_lives += 1
                measured(daemon.wait_first_cycle(60))
                daemon.wait_cycles(2, 60)
                time.sleep(rng.uniform(0, 0.3))
            elif lives - last_finished_life >= STALLED:
                # Progress: this life finishes its at-start cycle (a finished cycle is what moves a wave on).
                progress_lives += 1
                measured(daemon.wait_first_cycle(60))
                time.sleep(rng.uniform(0, 0.3))
            else:
                # Half the kills early (start-up, the inventory, the commit, the publishes), half anywhere.
                time.sleep(rng.uniform(0.005, span / 3) if rng.random() < 0.5 else rng.uniform(0.005, span))
            finished = daemon.finished_cycles()
            if not daemon.alive():
                raise RuntimeError(f"the daemon exited by itself: {open(daemon.log_path).read()[-2000:]}")
            daemon.kill()
            kills += 1
            if daemon.finished_cycles() == 0:
                kills_mid_cycle += 1
            finished_total += finished
            if finished:
                last_finished_life = lives
            daemon = None

            # Waves whose ConnectionLost was visible before a cycle that then finished: that decision is committed.
            for k in range(len(waves)):
                if state[k] == "down" and down_at_life[k] is not None and down_at_life[k] <= lives and finished:
                    state[k] = "seen"
            lives += 1
            for k in range(len(waves)):
                if state[k] == "seen" and rng.random() < 0.5:
                    for i in waves[k]:
                        stack.fault(i, "recover")
                    state[k] = "recovered"
                    if k + 1 < len(waves) and state[k + 1] == "pending":
                        start_wave(k + 1)
            # Keep two waves in flight so downs and recoveries overlap inside the same cycles.
            if sum(1 for s in state if s in ("down", "seen")) < 2:
                nxt = next((k for k, s in enumerate(state) if s == "pending"), None)
                if nxt is not None:
                    start_wave(nxt)

        check(all(s == "recovered" for s in state), f"every wave went down, was seen and recovered within the lives ({state})")

        # Settle: every node back Online in SSM, the lease of a killed claim expired (120 s of server time,
        # 0.5 s here), then cycles that run to completion deliver whatever is pending or in doubt.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            nodes = {n["instance_id"]: n for n in stack.nodes()}
            if all(nodes[i]["ping_status"] == "Online" for w in waves for i in w):
                break
            time.sleep(0.1)
        all_down = [i for w in waves for i in w]

        def all_reported(notices):
            """Every expected transition is in some notice (exactly once is checked below)."""
            seen = {item for items in notices.values() for item in items}
            return (all(any((k, i) in seen for k in DOWN) and ("recovered", i) in seen for i in all_down)
                    and all(("vanished", i) in seen for i in vanish))

        # At least two settling cycles; then more (up to one watch.full_every, 10) until every transition is
        # reported: the deregistered nodes' vanish needs a full inventory, and under load fewer lives finished a
        # cycle before. (GET /_local/mailbox answers once the deliveries queued before it have run.)
        for settle in range(12):
            stack.wait_sim_minutes(3)
            daemon = Daemon(stack, env, os.path.join(work, f"daemon-settle-{lives}.log"))
            check(daemon.wait_cycles(1, 60), "a settling cycle finishes")
            daemon.kill()
            daemon = None
            lives += 1
            if settle >= 1 and all_reported(notices_in_mail(stack.mailbox())):
                break
        # Then the exact counts, on a mailbox that has every expected notice (or after a minute without them).
        deadline = time.monotonic() + 60
        messages = stack.mailbox()
        while not all_reported(notices_in_mail(messages)) and time.monotonic() < deadline:
            time.sleep(0.5)
            messages = stack.mailbox()

        notices = notices_in_mail(messages)
        raw = len(messages)
        reported = {}
        for nid, items in notices.items():
            for item in items:
                reported.setdefault(item, set()).add(nid)
        expected = len(all_down) * 2 + len(vanish)
        print(f"{lives} daemon lives ({long_lives} long, {progress_lives} let finish a cycle; kill span "
              f"{span:.2f} s), {kills} SIGKILLs, {kills_mid_cycle} before the first cycle "
              f"finished; {finished_total} cycles finished before a kill; {len(notices)} distinct notices in {raw} "
              f"emails for {expected} transitions; {time.monotonic() - t0:.1f} s", flush=True)
        kinds = {}
        for kind, _ in reported:
            kinds[kind] = kinds.get(kind, 0) + 1
        print(f"transitions reported: {kinds}", flush=True)
        dup = {k: v for k, v in reported.items() if len(v) > 1}
        check(not dup, f"no transition in two different notices ({sorted(dup)[:5]})")
        downs = {i: [k for k in DOWN if (k, i) in reported] for i in all_down}
        check(all(len(v) == 1 for v in downs.values()),
              f"each of the {len(all_down)} lost nodes reported down exactly once "
              f"({sum(1 for v in downs.values() if len(v) == 1)}; missing {[i for i, v in downs.items() if not v][:5]})")
        rec = [i for i in all_down if ("recovered", i) in reported]
        check(len(rec) == len(all_down), f"each of the {len(all_down)} recoveries reported once ({len(rec)})")
        van = [i for i in vanish if ("vanished", i) in reported]
        check(len(van) == len(vanish), f"each of the {len(vanish)} deregistered nodes reported vanished once ({len(van)})")
        stray = {k for k in reported if k[1] not in set(all_down) | set(vanish)}
        check(not stray, f"no notice for a node that never changed ({sorted(stray)[:5]})")
        check(len(notices) == expected, f"{expected} transitions -> {expected} distinct notices ({len(notices)})")
        check(kills_mid_cycle >= 5, f"kills landed inside cycles ({kills_mid_cycle} before the first cycle finished)")
        # (The run time is bounded by ctest's timeout; it is printed above.)
    finally:
        if daemon is not None and daemon.alive():
            daemon.kill()
        stack.stop()

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
