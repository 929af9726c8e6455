"""``lgv asyncapi``: print the bus's AsyncAPI 3.0 document (``lgv asyncapi > docs/asyncapi.json``)."""
from __future__ import annotations

import json

import click

from shared.asyncapi import build_asyncapi


def render() -> str:
    """The document as kept in docs/asyncapi.json."""
    return json.dumps(build_asyncapi(), indent=2, ensure_ascii=False) + "\n"


@click.command("asyncapi")
def asyncapi() -> None:
    """Print the AsyncAPI 3.0 document of the bus (exchanges, routing keys, every event version)."""
    click.echo(render(), nl=False)
