"""The fault suite's one command: ``python -m tests.faults.run [--runs N] [--seed S] [--compare]``.

Each run starts two instances of every service on a fresh vhost, publishes a
seeded workload (valid events, repeats, out-of-order stream events, poison)
while killing each service with kill -9 and restarting RabbitMQ, waits for
quiescence and counts. One summary line per run; the seed replays a run.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext

from shared import masterkey, topology
from shared.broker_users import uri_user
from tests.faults import chaos
from tests.faults.canon import canonical
from tests.faults.publisher import PatientPublisher
from tests.faults.tally import Tally, count, dead_letter_reasons
from tests.faults.workload import Sizes, plan
from tests.support import broker, postgres
from tests.support.api import Api
from tests.support.processes import SERVICES, System
from tests.support.scenario import matches_for_checkins
from tests.support.waiting import wait_for

QUIESCENCE_TIMEOUT = 300.0


def run(seed: int, sizes: Sizes, instances: int = 2, faults: bool = True,
        broker_restart: bool = True, on_postgres: bool = False) -> tuple[Tally, float, dict]:
    vhost = f"lgv-faults-{seed}-{uuid.uuid4().hex[:6]}"
    # One master key for the services and this process, which opens sealed notes to count them.
    os.environ.setdefault("LGV_MASTER_KEY", masterkey.encode(masterkey.generate()))
    databases = postgres.service_databases(STORES, f"lgv_faults_{seed}") if on_postgres else nullcontext({})
    with tempfile.TemporaryDirectory(prefix="lgv-faults-") as var, databases as database_urls:
        broker.create_vhost(vhost)  # deleted in the finally below, before the databases go
        # The runner's token is recorded where the gateway looks it up: in the run's var/.
        os.environ["LGV_VAR_DIR"] = var
        system = System(broker.uri_for(vhost), var, database_urls)
        try:
            system.start()
            if instances == 2:
                system.start(*(f"{s}#2" for s in SERVICES if s != "gateway"))
            # Each stream as its owner would publish it: intake's events as the integrator, the
            # workload's own matching streams as matching (anything else is a forgery, kept).
            publishers = {"intake.events": PatientPublisher(system.uri("intake")),
                          "matching.events": PatientPublisher(system.uri("matching"),
                                                              user_id=uri_user(system.uri("matching")))}
            match_ids = matches_for_checkins(
                system, Api(system.gateway),
                lambda m: publishers["intake.events"].publish(json.dumps(m), "intake.events", m["event_type"]),
                10, ref_prefix=f"CTP-S{seed}")
            messages = plan(seed, match_ids, sizes)
            actions = (chaos.schedule(random.Random(seed), system, len(messages), instances, broker_restart)
                       if faults else {})
            for i, message in enumerate(messages):
                publishers[message.exchange].publish(message.body, message.exchange, message.routing_key)
                for action in actions.get(i, []):
                    action()
            for publisher in publishers.values():
                publisher.close()
            started = time.monotonic()
            chaos.revive(system)
            urls = {s: system.database_url(s) for s in STORES}
            _wait_quiet(lambda: count(urls, messages), system, vhost)
            seconds = time.monotonic() - started
            tally = count(urls, messages)
            if not tally.ok():
                for reason, times in dead_letter_reasons(urls).most_common():
                    print(f"faults:   dead letter x{times} {reason}", flush=True)
            return tally, seconds, canonical(urls)
        finally:
            system.stop()
            broker.delete_vhost(vhost)


STORES = tuple(s for s in SERVICES if s != "gateway")  # the services whose databases are counted


def _wait_quiet(measure: Callable[[], Tally], system: System, vhost: str) -> None:
    """Until every effect is in and every inbox is empty (nothing left to take, even a repeat)."""
    def quiet() -> bool:
        chaos.revive(system)
        tally = measure()
        return (tally.lost == 0 and tally.dead_lettered >= tally.poison
                and _inboxes_empty(vhost))
    try:
        wait_for(quiet, QUIESCENCE_TIMEOUT, interval=1.0, what="quiescence")
    except AssertionError:
        pass  # count anyway: the summary line says what was lost


def _inboxes_empty(vhost: str) -> bool:
    try:
        return not any(broker.queue_depth(vhost, topology.inbox_queue_name(s)) for s in SERVICES if s != "gateway")
    except (RuntimeError, OSError):  # the management API a moment behind a broker restart
        return False


def summary(seed: int, tally: Tally, seconds: float, instances: int) -> str:
    return (f"faults: seed={seed} instances={instances} sent={tally.sent} valid={tally.valid} "
            f"applied={tally.applied} lost={tally.lost} applied_twice={tally.applied_twice} "
            f"misordered={tally.misordered} dead_lettered={tally.dead_lettered} poison={tally.poison} "
            f"quiescence_s={seconds:.1f} {'OK' if tally.ok() else 'FAILED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--seed", type=int, help="replay one run")
    parser.add_argument("--referrals", type=int, default=Sizes.referrals)
    parser.add_argument("--no-broker-restart", action="store_true",
                        help="leave RabbitMQ running (e.g. while others share the broker)")
    parser.add_argument("--postgres", action="store_true",
                        help="the services' databases on PostgreSQL (throw-away ones), not SQLite")
    parser.add_argument("--compare", action="store_true",
                        help="also run the first seed with one instance and no faults, and compare projections")
    args = parser.parse_args(argv)
    # Stopped from outside, still stop the services it started (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The services and this driver's gateway client must sign and check tokens with one key.
    os.environ.setdefault("LGV_SECRET", uuid.uuid4().hex)
    sizes = Sizes(referrals=args.referrals)
    seeds = [args.seed] if args.seed is not None else [random.randrange(10**6) for _ in range(args.runs)]
    failed = 0
    for n, seed in enumerate(seeds):
        tally, seconds, projections = run(seed, sizes, broker_restart=not args.no_broker_restart,
                                          on_postgres=args.postgres)
        print(summary(seed, tally, seconds, 2), flush=True)
        failed += not tally.ok()
        if args.compare and n == 0:
            calm, calm_seconds, calm_projections = run(seed, sizes, instances=1, faults=False,
                                                       on_postgres=args.postgres)
            print(summary(seed, calm, calm_seconds, 1), flush=True)
            same = calm_projections == projections
            print(f"faults: seed={seed} projections with two instances and faults "
                  f"{'equal' if same else 'DIFFER FROM'} those with one", flush=True)
            for table in sorted(set(calm_projections) | set(projections)):
                a, b = calm_projections.get(table, []), projections.get(table, [])
                if a != b:
                    extra, missing = sorted(set(b) - set(a)), sorted(set(a) - set(b))
                    print(f"faults:   {table}: {len(a)} rows with one instance, {len(b)} with two; "
                          f"first only-with-two {extra[:1]}, first only-with-one {missing[:1]}", flush=True)
            failed += not (same and calm.ok())
    print(f"faults: {len(seeds) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
