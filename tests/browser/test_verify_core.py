"""verify.js's pieces against the Python reference, in real Chromium (issue 4).

The batch inclusion proof is checked in the browser by hashing the tree a height at
a time (``rootFromBatch``); here its root is compared with ``domain.merkle``'s on
trees of every shape up to 70 leaves and random sets of leaves, and a proof with a
hash too many, too few or flipped must not give the root. The statement-level
checks run in parallel but are judged in a fixed order: a page with two faults
reports the one the order puts first, whatever finished first.
"""

from __future__ import annotations

import base64
import json
import random
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext

from domain.merkle import MemoryTree, hash_leaf, range_hash
from publish.embed import batch_ranges, root_from_batch_proof
from publish.site import publish_site
from tests.browser.conftest import open_verdict, read_embedded, write_embedded
from tests.browser.test_verify_pages import (
    Q2,
    post_quarter,
    replace_base64_char,
    small_world,
)

pytestmark = pytest.mark.slow

VERIFY_JS = Path(__file__).parents[2] / "publish" / "static" / "verify.js"

#: Runs rootFromBatch on each case; the root as hex, or null.
_ROOTS = """async (cases) => {
  const C = window.shuangshaiCore;
  const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
  const out = [];
  for (const c of cases) {
    const root = await C.rootFromBatch(c.indices, c.leafHashes.map(bytes), c.size, bytes(c.proof));
    out.push(root === null ? null : C.hex(root));
  }
  return out;
}"""


def _case(rng: random.Random, size: int) -> tuple[dict[str, Any], bytes]:
    leaves = [rng.randbytes(rng.randint(1, 40)) for _ in range(size)]
    tree = MemoryTree(hash_leaf(leaf) for leaf in leaves)
    count = rng.randint(1, size)
    indices = sorted(rng.sample(range(size), count))
    proof = [
        range_hash(lo, hi, tree.perfect_hash) for lo, hi in batch_ranges(indices, size)
    ]
    hashes = {i: tree.perfect_hash(0, i) for i in indices}
    assert root_from_batch_proof(hashes, size, proof) == tree.root()
    case = {
        "indices": indices,
        "leafHashes": [hashes[i].hex() for i in indices],
        "size": size,
        "proof": b"".join(proof).hex(),
    }
    return case, tree.root()


def test_the_batch_root_is_domain_merkle_s_and_bad_proofs_give_none(
    tmp_path: Path, context: BrowserContext
) -> None:
    rng = random.Random(4)  # noqa: S311 - test data, not secrets
    page = context.new_page()
    blank = tmp_path / "core.html"  # file:// is a secure context: WebCrypto is there
    blank.write_text(
        f'<!doctype html><title>core</title><script src="{VERIFY_JS.as_uri()}"></script>'
    )
    page.goto(blank.as_uri())
    cases: list[dict[str, Any]] = []
    roots: list[str] = []
    for size in [*range(1, 71), 255, 256, 257, 1000]:
        for _ in range(3):
            case, tree_root = _case(rng, size)
            cases.append(case)
            roots.append(tree_root.hex())

    assert page.evaluate(_ROOTS, cases) == roots

    broken: list[dict[str, Any]] = []
    should_not_give: list[str] = []
    for case, expected in list(zip(cases, roots, strict=True))[::7]:
        proof = bytes.fromhex(case["proof"])
        variants = [case | {"proof": (proof + bytes(32)).hex()}]  # a hash too many
        if proof:
            flipped = bytearray(proof)
            flipped[rng.randrange(len(flipped))] ^= 0x10
            variants += [
                case | {"proof": proof[:-32].hex()},  # a hash too few
                case | {"proof": bytes(flipped).hex()},
            ]
        else:  # every leaf of the tree is given: flip a leaf hash instead
            first = bytearray(bytes.fromhex(case["leafHashes"][0]))
            first[0] ^= 0x10
            variants.append(
                case | {"leafHashes": [first.hex(), *case["leafHashes"][1:]]}
            )
        broken += variants
        should_not_give += [expected] * len(variants)

    results = page.evaluate(_ROOTS, broken)

    assert len(results) == len(broken) > 50
    for case, result, wrong in zip(broken, results, should_not_give, strict=True):
        assert result != wrong, case
    # A proof of the wrong length is refused outright, not hashed into another root.
    assert results[0] is None


def test_two_faults_report_the_first_in_the_fixed_order(
    tmp_path: Path, context: BrowserContext
) -> None:
    """A broken inclusion proof and entries whose keys the registry lacks: the
    signatures are checked early now, but inclusion is judged first, as before."""
    world = small_world()
    post_quarter(world, [1000 + i for i in range(5)], "2026-02-28")
    post_quarter(world, [2000 + i for i in range(5)], "2026-04-15")
    publish_site(world.ledger, tmp_path / "site")
    world.ledger.close()
    path = tmp_path / "site" / Q2
    original = read_embedded(path)
    data = json.loads(json.dumps(original))
    data["proof"] = replace_base64_char(data["proof"], 3)
    data["registry"] = data["registry"] | {"entries": []}
    write_embedded(path, data)
    page = context.new_page()

    verdict = open_verdict(page, path.as_uri())

    assert verdict.state == "failed"
    assert verdict.reasons == ["本页的条目不在日志中"]

    # The proof repaired, the keys still missing: now each entry's key is reported,
    # in index order.
    write_embedded(path, original | {"registry": data["registry"]})
    verdict = open_verdict(page, path.as_uri())
    assert verdict.reasons == [
        f"第 {i} 条的签名密钥未在登记册中找到" for i in range(5, 10)
    ]


#: verify.js's base64 next to atob's bytes for each text; "error" if it refused.
_BASE64 = """(texts) => {
  const C = window.shuangshaiCore;
  const viaAtob = (t) => Array.from(atob(t), (c) => c.charCodeAt(0));
  return texts.map((t) => {
    let mine;
    try { mine = C.hex(C.b64decode(t, "test")); } catch (e) { mine = "error"; }
    let theirs;
    try { theirs = C.hex(viaAtob(t)); } catch (e) { theirs = "error"; }
    return [mine, theirs];
  });
}"""


def test_native_base64_gives_atob_s_bytes_and_refuses_the_same(
    tmp_path: Path, context: BrowserContext
) -> None:
    """b64decode uses Uint8Array.fromBase64 where the browser has it: for every text
    its strict check lets through, the bytes are atob's (padding bits set or not)."""
    rng = random.Random(64)  # noqa: S311 - test data, not secrets
    page = context.new_page()
    blank = tmp_path / "core.html"
    blank.write_text(
        f'<!doctype html><title>core</title><script src="{VERIFY_JS.as_uri()}"></script>'
    )
    page.goto(blank.as_uri())
    assert page.evaluate("typeof Uint8Array.fromBase64") == "function"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    texts = [
        "",
        "AA==",
        "AB==",
        "AAB=",
        "AAC=",
        "////",
        "A===",
        "AB=C",
        "AB",
        " AB=",
        "AB\n==",
    ]
    for _ in range(300):
        text = base64.b64encode(rng.randbytes(rng.randint(0, 40))).decode()
        texts.append(text)
        if text.endswith("="):  # the same with non-zero padding bits
            stem = text.rstrip("=")
            last = alphabet[alphabet.index(stem[-1]) | 1]
            texts.append(stem[:-1] + last + "=" * (len(text) - len(stem)))

    results = page.evaluate(_BASE64, texts)

    for text, (mine, theirs) in zip(texts, results, strict=True):
        if mine != "error":
            assert mine == theirs, text
            assert bytes.fromhex(mine) == base64.b64decode(text), text
    refused = {
        t for t, (mine, _) in zip(texts, results, strict=True) if mine == "error"
    }
    assert refused == {"A===", "AB=C", "AB", " AB=", "AB\n=="}
