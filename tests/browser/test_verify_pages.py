"""In-browser verification in real Chromium (issue 4, parts 2–3; SPEC §4).

Each statement page checks itself with static/verify.js: the anchor checkpoint
(log signature, cosignature quorum), the batch inclusion proof of its entries, each
firm signature with the key the registry published, and — over http — consistency
with the latest checkpoint through the tiles. These tests open the pages over http
on localhost and from ``file://``, tamper with each published artifact and the
embedded data, replace the log by a rewritten one, and feed pages an XSS corpus.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page

from domain.checkpoint import cosign_checkpoint
from domain.note import SignedNote
from domain.registry import Witness
from domain.signing import ALG_COSIGNATURE_V1, Signer
from domain.tiles import decode_entry_bundle, encode_entry_bundle
from publish.logfiles import make_policy
from publish.site import publish_site
from tests.browser.conftest import (
    Served,
    Verdict,
    copy_site,
    flip_byte,
    open_verdict,
    read_embedded,
    wait_verdict,
    write_embedded,
)
from tests.builders import PROJECT_ORIGIN, World, make_world, revenue_body

pytestmark = pytest.mark.slow

Q1 = "p/jinjiang-hemei/t/common-revenue/2026-Q1.html"
Q2 = "p/jinjiang-hemei/t/common-revenue/2026-Q2.html"
LOG = "p/jinjiang-hemei/log"


# ============================================================ small test sites
def small_world(seed: int = 1) -> World:
    return make_world({"PERSISTENCE_MODULE": "eventsourcing.popo"}, seed=seed)


def post_quarter(world: World, amounts: list[int], received_on: str) -> list[str]:
    """Post revenue entries; return their leaf hashes (hex)."""
    hashes = []
    for amount in amounts:
        body = revenue_body(amount) | {"received_on": received_on}
        hashes.append(world.post("CommonRevenueRecorded", body).leaf_hash.hex())
    return hashes


@pytest.fixture
def site(tmp_path: Path) -> tuple[Path, list[str]]:
    """Five Q1 entries (indices 0–4, the Q1 page's anchor has size 5), then five in
    Q2, so the latest checkpoint (size 10) is newer than the Q1 page's anchor."""
    world = small_world()
    hashes = post_quarter(world, [1000 + i for i in range(5)], "2026-02-28")
    hashes += post_quarter(world, [2000 + i for i in range(5)], "2026-04-15")
    publish_site(world.ledger, tmp_path / "site")
    world.ledger.close()
    return tmp_path / "site", hashes


def replace_base64_char(text: str, position: int) -> str:
    """``text`` with the base64 character at ``position`` changed to another one."""
    old = text[position]
    new = "A" if old != "A" else "B"
    return text[:position] + new + text[position + 1 :]


# ============================================================ the demo site
def test_every_demo_statement_page_verifies_over_http_and_from_file(
    demo_site: Path, serve: Callable[[Path], Served], context: BrowserContext
) -> None:
    served = serve(demo_site)
    page = context.new_page()
    statements = sorted(
        p.relative_to(demo_site).as_posix() for p in demo_site.glob("p/*/t/*/*.html")
    )
    assert len(statements) > 12
    for relative in statements:
        online = open_verdict(page, served.http(relative))
        assert online.state == "verified", (relative, online.reasons, online.text)
        assert online.text.startswith("已验证"), relative
        assert "与网站上的最新检查点" in online.everything
        offline = open_verdict(page, served.file(relative))
        assert offline.state == "verified", (relative, offline.reasons)
        # What could not be checked offline is said, not hidden.
        assert "离线打开" in offline.text, relative
        assert "日志密钥指纹" in offline.text


def test_the_verify_page_checks_a_dropped_statement_page_and_a_proof_file(
    demo_site: Path, serve: Callable[[Path], Served], context: BrowserContext
) -> None:
    served = serve(demo_site)
    page = context.new_page()
    page.goto(served.http("verify.html"))
    statement = next(demo_site.glob("p/jinjiang-hemingyuan/t/common-revenue/*.html"))
    drop(page, statement.read_text(encoding="utf-8"), statement.name)
    verdict = wait_verdict(page)
    assert verdict.state == "verified", verdict.everything
    proof = demo_site / "p/jinjiang-hemingyuan/log/proofs/40.tlog-proof"
    drop(page, proof.read_text(encoding="utf-8"), "40.tlog-proof")
    verdict = wait_verdict(page)
    assert verdict.state == "verified", verdict.everything
    assert "第 40 条的企业签名有效" in verdict.everything


def drop(page: Page, text: str, name: str) -> None:
    """What dropping a file on the verify page does, with its text."""
    page.evaluate("window.shuangshaiVerification = undefined")
    page.evaluate(
        "([text, name]) => window.shuangshaiVerifyText(text, name)", [text, name]
    )


def look_up(page: Page, leaf_hash: str) -> Verdict:
    page.evaluate("window.shuangshaiVerification = undefined")
    page.fill("#verify-hash", leaf_hash)
    page.click("#verify-hash-form button")
    return wait_verdict(page)


# ============================================================ tampering
def test_a_small_site_verifies_online_offline_and_by_leaf_hash(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
) -> None:
    root, hashes = site
    served = serve(root)
    page = context.new_page()
    assert open_verdict(page, served.http(Q1)).state == "verified"
    assert open_verdict(page, served.file(Q1)).state == "verified"
    page.goto(served.http("verify.html"))
    verdict = look_up(page, hashes[3])
    assert verdict.state == "verified", verdict.everything
    assert "第 3 条在日志中" in verdict.everything


def test_a_flipped_byte_in_a_tile_fails_the_consistency_check(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
) -> None:
    root, _ = site
    flip_byte(root / LOG / "tile/0/000.p/10", 9 * 32)  # the last leaf's hash

    verdict = open_verdict(context.new_page(), serve(root).http(Q1))

    assert verdict.state == "failed"
    assert verdict.reasons[0] == "日志被改写：本页检查点与最新检查点不一致"
    assert verdict.text.startswith("验证失败")


def test_a_flipped_byte_in_the_checkpoint_fails_its_signature(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
) -> None:
    root, _ = site
    checkpoint = root / LOG / "checkpoint"
    text = checkpoint.read_text(encoding="utf-8")
    checkpoint.write_text(replace_base64_char(text, len(text) - 12), encoding="utf-8")

    verdict = open_verdict(context.new_page(), serve(root).http(Q1))

    assert verdict.state == "failed"
    assert verdict.reasons == ["检查点签名无效"]


def test_a_flipped_byte_in_an_entry_bundle_fails_the_leaf_hash_lookup(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
) -> None:
    root, hashes = site
    flip_byte(root / LOG / "tile/entries/000.p/10", 100)  # inside leaf 0
    page = context.new_page()
    page.goto(serve(root).http("verify.html"))

    verdict = look_up(page, hashes[3])

    assert verdict.state == "failed"
    assert verdict.reasons == ["发布的条目包与日志树不符"]
    assert "tile/entries/000.p/10 中第 0 条" in verdict.everything


def test_a_flipped_byte_in_a_proof_file_fails_the_inclusion_check(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
) -> None:
    root, hashes = site
    proof = root / LOG / "proofs/3.tlog-proof"
    lines = proof.read_text(encoding="utf-8").split("\n")
    lines[2] = replace_base64_char(lines[2], 5)  # the first proof hash
    proof.write_text("\n".join(lines), encoding="utf-8")
    page = context.new_page()
    page.goto(serve(root).http("verify.html"))

    verdict = look_up(page, hashes[3])

    assert verdict.state == "failed"
    assert verdict.reasons == ["第 3 条不在日志中"]


@pytest.mark.parametrize("mode", ["http", "file"])
def test_flipped_embedded_data_fails_with_the_reason(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
    mode: str,
) -> None:
    root, _ = site  # the Q2 page: entries 5–9, its proof holds MTH(0..4) and leaf 4
    served = serve(root)
    page = context.new_page()
    path = root / Q2
    original = read_embedded(path)

    def check(data: dict[str, Any]) -> Verdict:
        write_embedded(path, data)
        url = served.http(Q2) if mode == "http" else served.file(Q2)
        return open_verdict(page, url)

    # One byte of the compressed leaves: the data no longer decompresses.
    data = json.loads(json.dumps(original))
    data["leaves"] = replace_base64_char(data["leaves"], 40)
    assert check(data).reasons[0] == "本页嵌入的条目数据已损坏"

    # An amount changed inside a leaf (and recompressed): not the logged entry.
    data = json.loads(json.dumps(original))
    leaves = decode_entry_bundle(zlib.decompress(base64.b64decode(data["leaves"])))
    leaves[2] = leaves[2].replace(b'"v":1', b'"v":1 ')
    data["leaves"] = base64.b64encode(
        zlib.compress(encode_entry_bundle(leaves))
    ).decode()
    assert check(data).reasons[0] == "本页的条目不在日志中"

    # One byte of the inclusion proof.
    data = json.loads(json.dumps(original))
    data["proof"] = replace_base64_char(data["proof"], 3)
    assert check(data).reasons[0] == "本页的条目不在日志中"

    # One byte of the anchor checkpoint's signature.
    data = json.loads(json.dumps(original))
    note = str(data["checkpoint"])
    data["checkpoint"] = replace_base64_char(note, len(note) - 12)
    assert check(data).reasons[0] == "检查点签名无效"

    # An entry linked on the page but not embedded.
    data = json.loads(json.dumps(original))
    entries = list(data["entries"])
    verdict = check(data | {"entries": entries[:-1]})
    assert verdict.state == "failed"

    # Untouched again: verified (the failures above left nothing behind).
    assert check(original).state == "verified"


def test_a_firm_signature_the_log_accepted_wrongly_is_caught(
    tmp_path: Path, context: BrowserContext
) -> None:
    """A dishonest log that signed a checkpoint over an entry whose firm signature
    does not verify: the proofs are fine, the signature is not."""
    from domain.checkpoint import Checkpoint, sign_checkpoint
    from domain.merkle import MemoryTree, hash_leaf
    from publish.embed import batch_ranges

    world = small_world()
    post_quarter(world, [1000, 1001, 1002], "2026-02-28")
    publish_site(world.ledger, tmp_path / "site")
    path = tmp_path / "site" / Q1
    data = read_embedded(path)
    leaves = decode_entry_bundle(zlib.decompress(base64.b64decode(data["leaves"])))
    outer = json.loads(leaves[1])
    signature = bytearray(base64.b64decode(outer["sig"]))
    signature[0] ^= 1
    outer["sig"] = base64.b64encode(bytes(signature)).decode()
    leaves[1] = json.dumps(outer, separators=(",", ":"), sort_keys=True).encode()
    tree = MemoryTree(hash_leaf(leaf) for leaf in leaves)
    note = sign_checkpoint(
        Checkpoint(PROJECT_ORIGIN, 3, tree.root()),
        world.ledger.log_signer(PROJECT_ORIGIN),
    )
    assert batch_ranges([0, 1, 2], 3) == []  # all the leaves: no proof hash needed
    data |= {
        "checkpoint": note.to_text(),
        "proof": "",
        "leaves": base64.b64encode(zlib.compress(encode_entry_bundle(leaves))).decode(),
    }
    write_embedded(path, data)
    world.ledger.close()

    verdict = open_verdict(context.new_page(), path.as_uri())

    assert verdict.state == "failed"
    assert verdict.reasons == ["第 1 条的企业签名无效"]


# ============================================================ rewritten logs
def rewritten_sites(tmp_path: Path, rewritten_amounts: list[int]) -> tuple[Path, Path]:
    """The same log (same keys) published twice with different histories."""
    sites = []
    for name, amounts in (
        ("a", [1000 + i for i in range(6)]),
        ("b", rewritten_amounts),
    ):
        world = small_world()
        post_quarter(world, amounts, "2026-02-28")
        publish_site(world.ledger, tmp_path / name)
        world.ledger.close()
        sites.append(tmp_path / name)
    return sites[0], sites[1]


@pytest.mark.parametrize(
    ("amounts", "reason"),
    [
        ([3000 + i for i in range(6)], "日志被改写"),  # same size, other root
        ([3000 + i for i in range(4)], "日志被回滚"),  # smaller
    ],
)
def test_a_log_replaced_by_a_rewritten_one_is_flagged_over_http(
    tmp_path: Path,
    serve: Callable[[Path], Served],
    context: BrowserContext,
    amounts: list[int],
    reason: str,
) -> None:
    original, rewritten = rewritten_sites(tmp_path, amounts)
    served = serve(copy_site(original, tmp_path / "served"))
    page = context.new_page()
    assert open_verdict(page, served.http(Q1)).state == "verified"

    copy_site(rewritten, tmp_path / "served")
    verdict = open_verdict(page, served.http(Q1))

    assert verdict.state == "failed"
    assert verdict.reasons == [reason]
    assert "本机曾见过" in verdict.everything


def test_a_rewritten_log_is_flagged_from_file_too(
    tmp_path: Path, context: BrowserContext
) -> None:
    original, rewritten = rewritten_sites(tmp_path, [3000 + i for i in range(6)])
    page = context.new_page()
    assert open_verdict(page, (original / Q1).as_uri()).state == "verified"

    verdict = open_verdict(page, (rewritten / Q1).as_uri())

    assert verdict.state == "failed"
    assert verdict.reasons == ["日志被改写"]


# ============================================================ XSS
#: Markup that must stay text; the window.__pwned ones would run if it did not.
XSS_CORPUS = (
    "<script>alert('xss')</script>",
    '"><img src=x onerror="window.__pwned=1">',
    "' onmouseover='window.__pwned=1",
    "javascript:window.__pwned=1",
    "</script><script>window.__pwned=1</script>",
    "line\u2028separator\u2029paragraph",
    "{{ 7*7 }} {% raw %}",
)


def test_an_xss_corpus_in_entry_text_appears_as_text(
    tmp_path: Path, serve: Callable[[Path], Served], context: BrowserContext
) -> None:
    world = small_world()
    for number, attack in enumerate(XSS_CORPUS):
        receipt = world.post(
            "CommonRevenueRecorded", revenue_body(100 + number) | {"note": attack}
        )
        world.post(
            "NoticePosted",
            {
                "title": attack,
                "content": attack,
                "category": "general",
                "valid_from": "2026-03-01",
            },
        )
        world.post(
            "EntryReversed",
            {
                "target": {
                    "index": receipt.index,
                    "leaf_hash": receipt.leaf_hash.hex(),
                },
                "reason": attack,
            },
        )
    publish_site(world.ledger, tmp_path / "site")
    world.ledger.close()
    served = serve(tmp_path / "site")
    dialogs: list[str] = []
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    pages = sorted(
        p.relative_to(tmp_path / "site").as_posix()
        for p in (tmp_path / "site").rglob("*.html")
    )
    statements = [p for p in pages if "/t/" in p]
    assert statements
    shown = ""
    for relative in pages:
        page.goto(served.http(relative))
        if relative in statements:
            verdict = wait_verdict(page)
            assert verdict.state == "verified", (relative, verdict.reasons)
        assert page.evaluate("window.__pwned") is None, relative
        shown += page.inner_text("body")
    # Dropped on the verify page (parsed, never run): the same.
    page.goto(served.http("verify.html"))
    statement = (tmp_path / "site" / statements[0]).read_text(encoding="utf-8")
    drop(page, statement, "page.html")
    assert wait_verdict(page).state == "verified"
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    assert "<script>alert('xss')</script>" in shown
    assert "javascript:window.__pwned=1" in shown


# ============================================================ witnesses
WITNESS = Signer.from_seed("hemei-yeweihui", bytes([9]) * 32, alg=ALG_COSIGNATURE_V1)


def quorum_page(tmp_path: Path) -> tuple[Path, dict[str, Any], SignedNote]:
    """The Q1 page of a small site whose policy asks for the witness's cosignature."""
    world = small_world()
    post_quarter(world, [1000, 1001, 1002], "2026-02-28")
    publish_site(world.ledger, tmp_path / "site")
    witness = Witness(
        WITNESS.key_ref, WITNESS.vkey, "和美花园业主委员会", "owners-committee", None, 5
    )
    policy = make_policy(
        world.ledger.log_vkey(PROJECT_ORIGIN), [witness], require_cosignatures=True
    )
    world.ledger.close()
    path = tmp_path / "site" / Q1
    data = read_embedded(path)
    assert "quorum majority" in policy.to_text()
    data["policy"] = policy.to_text()
    return path, data, SignedNote.from_text(data["checkpoint"])


def test_a_cosigned_checkpoint_meets_the_quorum(
    tmp_path: Path, context: BrowserContext
) -> None:
    path, data, note = quorum_page(tmp_path)
    cosigned = cosign_checkpoint(note, WITNESS, timestamp=1_772_000_000)
    write_embedded(path, data | {"checkpoint": cosigned.to_text()})

    page = context.new_page()
    verdict = open_verdict(page, path.as_uri())

    assert verdict.state == "verified", verdict.everything
    assert f"见证人联署：{WITNESS.key_ref}" in verdict.everything


def test_a_missing_cosignature_fails_the_quorum(
    tmp_path: Path, context: BrowserContext
) -> None:
    path, data, note = quorum_page(tmp_path)
    write_embedded(path, data | {"checkpoint": note.to_text()})

    verdict = open_verdict(context.new_page(), path.as_uri())

    assert verdict.state == "failed"
    assert verdict.reasons == ["见证人联署不足"]


def test_a_bad_cosignature_fails(tmp_path: Path, context: BrowserContext) -> None:
    path, data, note = quorum_page(tmp_path)
    cosigned = cosign_checkpoint(note, WITNESS, timestamp=1_772_000_000).to_text()
    write_embedded(
        path, data | {"checkpoint": replace_base64_char(cosigned, len(cosigned) - 12)}
    )

    verdict = open_verdict(context.new_page(), path.as_uri())

    assert verdict.state == "failed"
    assert verdict.reasons == ["见证人联署无效"]


# ============================================================ no Ed25519
def test_a_browser_without_ed25519_is_told_so_not_passed(
    site: tuple[Path, list[str]], context: BrowserContext
) -> None:
    root, _ = site
    page = context.new_page()
    page.add_init_script(
        """
        const importKey = crypto.subtle.importKey.bind(crypto.subtle);
        crypto.subtle.importKey = (format, data, algorithm, ...rest) =>
          (algorithm && algorithm.name === "Ed25519")
            ? Promise.reject(new DOMException("no", "NotSupportedError"))
            : importKey(format, data, algorithm, ...rest);
        """
    )

    verdict = open_verdict(page, (root / Q1).as_uri())

    assert verdict.state == "unsupported"
    assert verdict.text.startswith("无法验证：此浏览器不支持 Ed25519")


def test_an_unreachable_latest_checkpoint_is_said_not_hidden(
    site: tuple[Path, list[str]],
    serve: Callable[[Path], Served],
    context: BrowserContext,
) -> None:
    root, _ = site
    (root / LOG / "checkpoint").unlink()

    verdict = open_verdict(context.new_page(), serve(root).http(Q1))

    assert verdict.state == "verified", verdict.everything
    assert "本日志：未能读取网站上的最新检查点" in verdict.text
