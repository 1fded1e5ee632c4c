"""Publishing an instance: catch the board projection up, then write the site."""

from __future__ import annotations

from pathlib import Path

from api.instance import Instance
from domain.application import LedgerApplication
from domain.projection import catch_up, open_board_view
from publish.logfiles import DirectoryBlobs
from publish.site import PublishReport, check_base_url, publish_site

BLOBS_DIR = "blobs"


def publish_instance(
    instance: Instance,
    ledger: LedgerApplication,
    out: Path,
    *,
    full: bool = False,
    base_url: str | None = None,
) -> PublishReport:
    """Publish ``instance``'s current state to ``out`` from its projection view.

    ``base_url``: where the site will be served (printed QR codes open it).
    """
    base_url = check_base_url(base_url)  # a bad address changes nothing
    view = open_board_view(dict(ledger.env))
    catch_up(ledger, view)
    origins = [o for o in ledger.list_origins() if o != ledger.registry_origin]
    boards = {origin: view.board(origin) for origin in origins}
    return publish_site(
        ledger,
        out,
        boards=boards,
        blobs=DirectoryBlobs(instance.path / BLOBS_DIR),
        full=full,
        base_url=base_url,
    )
