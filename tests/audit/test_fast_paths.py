"""The audit's fast paths accept and reject exactly what the exact code does.

``domain.canonical.parse_canonical`` tries a plain ``json.loads`` first and falls back
to the exact parser (duplicate keys, constants, the reference encoder) for anything
else: both decide every writing, canonical or edited, the same way.

``domain.audit.read_proof`` folds proofs with a memo of fold states shared between
neighbouring entries, and falls back to ``read_proof_exact`` for anything it does
not accept: for every proof file, honest or tampered, both give the same facts.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import audit, canonical, merkle
from domain.entries import Leaf, Submission, make_leaf
from domain.errors import LedgerError, VerificationError
from domain.signing import Signer

NOTE = "example.org/p/x\n{size}\n{root}\n\n— example.org/p/x AAAAsig=\n"


def proof_file(tree: merkle.MemoryTree, index: int, size: int) -> bytes:
    """A proof file as the log writes it (header, index, hash lines, note)."""
    hashes = tree.inclusion_proof(index, size)
    root = base64.b64encode(tree.root(size)).decode()
    lines = [
        "c2sp.org/tlog-proof@v1",
        f"index {index}",
        *(base64.b64encode(h).decode() for h in hashes),
    ]
    body = "".join(line + "\n" for line in lines)
    return (body + "\n" + NOTE.format(size=size, root=root)).encode()


def tree_of(size: int) -> merkle.MemoryTree:
    return merkle.MemoryTree(
        merkle.hash_leaf(i.to_bytes(4, "big")) for i in range(size)
    )


EDITS = st.lists(
    st.tuples(
        st.sampled_from(
            ["replace", "insert", "delete", "swap-lines", "dup-line", "drop-line"]
        ),
        st.integers(0, 10_000),
        st.sampled_from(list(b"\nA0=+/-9 ag")),
    ),
    max_size=3,
)


def edit(data: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    for operation, at, byte in edits:
        if operation in ("swap-lines", "dup-line", "drop-line"):
            lines = data.split(b"\n")
            a = at % len(lines)
            b = (at // 7) % len(lines)
            if operation == "swap-lines":
                lines[a], lines[b] = lines[b], lines[a]
            elif operation == "drop-line":
                del lines[a]
            else:
                lines.insert(a, lines[b])
            data = b"\n".join(lines)
            continue
        if not data:
            continue
        at %= len(data)
        if operation == "replace":
            data = data[:at] + bytes([byte]) + data[at + 1 :]
        elif operation == "insert":
            data = data[:at] + bytes([byte]) + data[at:]
        else:
            data = data[:at] + data[at + 1 :]
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(1, 300),
    data=st.data(),
    edits=EDITS,
    claimed_index=st.integers(-1, 2),
)
def test_fast_proof_reading_equals_the_exact_one(
    size: int,
    data: st.DataObject,
    edits: list[tuple[str, int, int]],
    claimed_index: int,
) -> None:
    tree = tree_of(size)
    # Warm the memo with honest neighbours (as a worker's chunk would).
    first = data.draw(st.integers(0, size - 1))
    neighbours = range(first, min(size, first + 8))
    for index in neighbours:
        leaf_hash = merkle.hash_leaf(index.to_bytes(4, "big"))
        honest = proof_file(tree, index, size)
        facts = audit.read_proof(index, leaf_hash, honest)
        assert facts == audit.read_proof_exact(index, leaf_hash, honest)
        assert facts.root == tree.root(size)
        assert not facts.problem
    index = data.draw(st.integers(0, size - 1))
    proved_size = data.draw(st.integers(index + 1, size))
    leaf_hash = merkle.hash_leaf(index.to_bytes(4, "big"))
    tampered = edit(proof_file(tree, index, proved_size), edits)
    claimed = max(0, index + claimed_index) if claimed_index != 2 else index
    exact = audit.read_proof_exact(claimed, leaf_hash, tampered)
    assert audit.read_proof(claimed, leaf_hash, tampered) == exact
    if not edits and claimed == index:
        assert exact.root == tree.root(proved_size)
        assert not exact.problem


def test_a_wrong_leaf_hash_with_a_remembered_path_still_folds_to_another_root() -> None:
    tree = tree_of(64)
    for index in range(64):
        leaf_hash = merkle.hash_leaf(index.to_bytes(4, "big"))
        assert audit.read_proof(index, leaf_hash, proof_file(tree, index, 64)).root == (
            tree.root(64)
        )
    wrong = merkle.hash_leaf(b"not the leaf")
    facts = audit.read_proof(5, wrong, proof_file(tree, 5, 64))
    assert facts == audit.read_proof_exact(5, wrong, proof_file(tree, 5, 64))
    assert facts.root != tree.root(64)


def _containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.text(st.sampled_from(list("ab\u00e9\U0001f600")), max_size=2)
    return st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**54), 2**54)
    | st.floats(allow_nan=True)
    | st.text(st.sampled_from(list('a"\\/\u00e9\u2028\ud800\U0001f600\x00 '))),
    _containers,
    max_leaves=8,
)


def outcome(parse: Any, data: bytes) -> tuple[str, object]:
    try:
        return ("value", parse(data))
    except LedgerError as exc:
        return (type(exc).__name__, (exc.detail, exc.pointer))


@settings(max_examples=400, deadline=None)
@given(
    value=st.dictionaries(st.sampled_from(["a", "b", "é", "v"]), JSON, max_size=4),
    sort=st.booleans(),
    ascii_only=st.booleans(),
    edits=EDITS,
)
def test_the_plain_canonical_fast_path_decides_as_the_exact_parser(
    value: dict[str, Any],
    sort: bool,
    ascii_only: bool,
    edits: list[tuple[str, int, int]],
) -> None:
    try:
        text = json.dumps(
            value, sort_keys=sort, separators=(",", ":"), ensure_ascii=ascii_only
        )
        data = edit(text.encode("utf-8", "surrogatepass"), edits)
    except ValueError:
        return
    assert outcome(canonical.parse_canonical, data) == outcome(
        lambda d: canonical._parse_canonical(d, "/payload"), data
    )


def test_packed_facts_come_back_as_they_were_checked() -> None:
    facts = [
        audit.LeafFacts(
            7,
            b"h" * 32,
            "2026-01-01T00:00:00.000000Z",
            "id-7",
            "EntryReversed",
            "key+1",
            (3, "ab" * 32),
            (("c-1", "too much"),),
            (("entry-schema", "zh", "en", "detail"),),
            None,
            audit.ProofFacts(8, b"r" * 32, b"d" * 16, ""),
        ),
        audit.LeafFacts(8, b"i" * 32, "", "", "", "", None, (), (), {"a": 1}, None),
        audit.LeafFacts(
            9, b"j" * 32, "", "", "", "", None, (), (), None, audit.PROOF_MISSING
        ),
    ]
    packed = [(*f[:10], None if f.proof is None else tuple(f.proof)) for f in facts]
    assert all(type(row) is tuple for row in packed)
    unpacked = audit.unpack_facts(packed)
    assert unpacked == facts
    assert [type(f.proof) for f in unpacked] == [
        audit.ProofFacts,
        type(None),
        audit.ProofFacts,
    ]
    assert unpacked[2].proof == audit.PROOF_MISSING


def test_a_packed_chunk_unpacks_to_the_facts_check_chunk_gives() -> None:
    context = audit.ChunkContext("example.org/p/x", False, {}, ())
    tree = tree_of(4)
    chunk = [
        (0, (0).to_bytes(4, "big"), proof_file(tree, 0, 4)),
        (1, b"not a leaf", b"not a proof"),
        (2, b"{}", None),
    ]
    assert audit.unpack_facts(audit.check_chunk_packed(context, chunk)) == (
        audit.check_chunk(context, chunk)
    )


SIGNER = Signer.from_seed("example-key", b"\x07" * 32)
HONEST_LEAF = make_leaf(
    Submission.sign({"v": 1, "id": "x", "key": SIGNER.key_ref}, SIGNER),
    "2026-01-01T00:00:00.000000Z",
)


@settings(max_examples=500, deadline=None)
@given(edits=EDITS)
def test_the_fast_leaf_parser_accepts_only_what_leaf_from_bytes_accepts(
    edits: list[tuple[str, int, int]],
) -> None:
    data = edit(HONEST_LEAF, edits)
    fast = audit._fast_leaf(data)
    try:
        exact: Leaf | None = Leaf.from_bytes(data)
    except VerificationError:
        exact = None
    if fast is not None:
        assert fast == exact
    if not edits:
        assert fast is not None


def test_no_single_character_change_makes_the_fast_leaf_parser_disagree() -> None:
    alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n"
    disagreements = []
    for at in range(len(HONEST_LEAF)):
        for byte in alphabet:
            data = HONEST_LEAF[:at] + bytes([byte]) + HONEST_LEAF[at + 1 :]
            fast = audit._fast_leaf(data)
            if fast is None:
                continue
            try:
                exact: Leaf | None = Leaf.from_bytes(data)
            except VerificationError:
                exact = None
            if fast != exact:
                disagreements.append((at, chr(byte)))
    assert disagreements == []
