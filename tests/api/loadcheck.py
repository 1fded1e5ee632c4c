"""Checks shared by the HTTP load tests: a log served over HTTP is whole and provable.

Everything is checked through the server (checkpoints, archived checkpoints,
inclusion and consistency proofs), against the keys from the instance folder, and the
receipts are checked offline with the project's own verifiers (``domain.receipts``,
``domain.merkle``, ``domain.checkpoint``).
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterable, Sequence

from benchmarks.loadgen import LoadInstance, get_all
from domain.checkpoint import Checkpoint, open_checkpoint
from domain.merkle import hash_leaf, verify_consistency, verify_inclusion
from domain.receipts import Receipt, verify_receipt


def receipts_of(bodies: Iterable[bytes]) -> list[Receipt]:
    return [Receipt.from_json(json.loads(body)) for body in bodies]


def check_log_over_http(
    port: int,
    load: LoadInstance,
    project: str,
    receipts: Sequence[Receipt],
    *,
    clients: int = 8,
) -> Checkpoint:
    """Every receipt verifies and is in the final checkpoint; checkpoints chain.

    Returns the final checkpoint. The caller checks sizes and gaps (it knows whether
    the log holds entries it has no receipt for).
    """
    origin = load.origin(project)
    log_key = load.log_key(origin)
    base = f"/v1/projects/{project}/log"
    final_text = get_all(port, [f"{base}/checkpoint"], clients=1)[f"{base}/checkpoint"]
    final, _ = open_checkpoint(final_text.decode(), log_key)
    assert final.origin == origin

    # Each receipt verifies offline against its own checkpoint …
    signed: dict[int, Checkpoint] = {}
    for receipt in receipts:
        checkpoint = verify_receipt(receipt, log_key=log_key)
        assert receipt.log == origin
        assert signed.setdefault(checkpoint.size, checkpoint) == checkpoint
    # … and is included in the final one (proofs served by any worker).
    paths = {
        receipt.index: f"{base}/proofs/inclusion?index={receipt.index}&size={final.size}"
        for receipt in receipts
    }
    proofs = get_all(port, list(paths.values()), clients=clients)
    for receipt in receipts:
        proof = json.loads(proofs[paths[receipt.index]])
        assert base64.b64decode(proof["root"]) == final.root
        verify_inclusion(
            leaf_hash=hash_leaf(receipt.leaf),
            index=receipt.index,
            size=final.size,
            proof=[base64.b64decode(h) for h in proof["hashes"]],
            root=final.root,
        )

    # Every checkpoint a receipt carries is archived as signed, and each is consistent
    # with the next one (and the last with the final checkpoint).
    sizes = sorted(signed)
    archived = get_all(
        port, [f"{base}/checkpoints/{s}" for s in sizes], clients=clients
    )
    for size in sizes:
        checkpoint, _ = open_checkpoint(
            archived[f"{base}/checkpoints/{size}"].decode(), log_key
        )
        assert checkpoint == signed[size]
    chain = [*sizes, final.size] if not sizes or sizes[-1] != final.size else sizes
    signed[final.size] = final
    pairs = list(itertools.pairwise(chain))
    consistency = get_all(
        port,
        [f"{base}/proofs/consistency?old={old}&new={new}" for old, new in pairs],
        clients=clients,
    )
    for old, new in pairs:
        proof = json.loads(
            consistency[f"{base}/proofs/consistency?old={old}&new={new}"]
        )
        verify_consistency(
            old_size=old,
            new_size=new,
            old_root=signed[old].root,
            new_root=signed[new].root,
            proof=[base64.b64decode(h) for h in proof["hashes"]],
        )
    return final
