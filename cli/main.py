"""``lgv``: the operator's command line."""
from __future__ import annotations

import warnings

# eventlet (under nameko) warns of its own deprecation on import; operators need not read it.
warnings.filterwarnings("ignore", category=DeprecationWarning)

import click  # noqa: E402

from cli.access import access  # noqa: E402
from cli.asyncapi import asyncapi  # noqa: E402
from cli.broker import broker  # noqa: E402
from cli.db import db  # noqa: E402
from cli.dlq import dlq  # noqa: E402
from cli.erase import erase  # noqa: E402
from cli.keys import keys  # noqa: E402
from cli.replay import replay  # noqa: E402
from cli.status import status  # noqa: E402
from cli.token import token  # noqa: E402


@click.group()
def main() -> None:
    """Livet Går Videre operations: tokens, replay, dead letters, erasure, keys, the bus contract and the
    access log."""


main.add_command(token)
main.add_command(replay)
main.add_command(dlq)
main.add_command(asyncapi)
main.add_command(status)
main.add_command(broker)
main.add_command(access)
main.add_command(erase)
main.add_command(keys)
main.add_command(db)

if __name__ == "__main__":
    main()
