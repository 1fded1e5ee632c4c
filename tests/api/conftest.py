"""Fixtures of the API tests: an in-memory world and a TestClient on its ledger."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest
from starlette.exceptions import StarletteDeprecationWarning

from api.app import create_app
from tests.builders import World, make_world

with warnings.catch_warnings():
    # starlette asks for httpx2 instead of httpx; the dev extra installs httpx.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient as TestClient


@pytest.fixture
def world() -> Iterator[World]:
    world = make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield world
    world.ledger.close()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    with TestClient(create_app(world.ledger)) as client:
        yield client
