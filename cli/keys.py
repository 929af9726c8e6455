"""``lgv keys rotate``: re-wrap every data key under a new master key; no event is touched."""
from __future__ import annotations

import os
from pathlib import Path

import click

from shared import config, masterkey
from shared.db import make_engine
from shared.eventstore import metadata
from shared.keyring import Keyring
from shared.masterkey import MasterKey, WrongMasterKey


@click.group("keys")
def keys() -> None:
    """The master key and the data keys it wraps."""


@keys.command("rotate")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="Where to write the new key when the current one comes from LGV_MASTER_KEY.")
def rotate(out_file: str | None) -> None:
    """Re-wrap the data keys of all three services under a new master key.

    Stop the services first, and start them again with the new key. The new key is
    written beside the old one first (var/master.key.next), so a rotation cut short
    is finished by running it again.
    """
    from_env = config.master_key() is not None
    if from_env and not out_file:
        raise click.UsageError("the master key comes from LGV_MASTER_KEY: give --out FILE for the new one")
    try:
        current = masterkey.load()
    except WrongMasterKey as exc:
        raise click.ClickException(str(exc)) from exc
    pending = Path(out_file) if out_file else masterkey.key_file().with_name("master.key.next")
    if not pending.exists():
        masterkey.write_key_file(pending, masterkey.generate(), replace=False)
    new = MasterKey(masterkey.decode(pending.read_text(encoding="ascii"), str(pending)))
    for service in config.SERVICES:
        click.echo(f"{service}: {_rewrap(service, current, new)}")
    if from_env:
        click.echo(f"done; set LGV_MASTER_KEY to the key in {pending} and start the services")
    else:
        os.replace(pending, masterkey.key_file())
        click.echo(f"done; {masterkey.key_file()} holds the new key (back it up), start the services")


def _rewrap(service: str, current: MasterKey, new: MasterKey) -> str:
    engine = make_engine(config.database_url(service))
    try:
        metadata.create_all(engine)
        with engine.begin() as conn:
            keyring = Keyring(current)
            if keyring.wrapped_under(conn, new):
                return "already under the new key"
            try:
                return f"{keyring.rewrap(conn, new)} data keys re-wrapped"
            except WrongMasterKey as exc:
                raise click.ClickException(f"{service}: {exc}") from exc
    finally:
        engine.dispose()
