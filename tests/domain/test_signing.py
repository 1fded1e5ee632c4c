"""Tests for domain.signing: RFC 8032 vectors, signed-note key formats, errors.

Vectors: ``tests/vectors/ed25519/rfc8032.json`` (RFC 8032 §7.1 TEST 1, 2, 3 and the
1023-byte TEST 1024), ``tests/vectors/note/go_sumdb_note.json`` (golang.org/x/mod
``sumdb/note`` tests), ``tests/vectors/note/c2sp_examples.json`` and
``tests/vectors/note/real_world.json`` (published vkeys, one with ``+`` in its base64).
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from domain.errors import InvalidSignatureError, MalformedKeyError
from domain.signing import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    KeyId,
    Signer,
    VerifierKey,
    b64decode_strict,
    check_key_name,
    compute_key_id,
    format_key_ref,
    parse_key_ref,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def vector(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


RFC8032 = vector("ed25519/rfc8032.json")["vectors"]
GO = vector("note/go_sumdb_note.json")
C2SP = vector("note/c2sp_examples.json")
REAL = vector("note/real_world.json")

PETER_SKEY: str = GO["peter"]["skey"]
PETER_VKEY: str = GO["peter"]["vkey"]


# --- RFC 8032 -----------------------------------------------------------------------
@pytest.mark.parametrize("case", RFC8032, ids=[case["name"] for case in RFC8032])
def test_rfc8032_vectors_give_the_public_key_and_signature(
    case: dict[str, str],
) -> None:
    signer = Signer.from_seed("rfc8032", bytes.fromhex(case["secret_key"]))
    message = bytes.fromhex(case["message"])

    assert signer.public_key.hex() == case["public_key"]
    assert signer.sign(message).hex() == case["signature"]


@pytest.mark.parametrize("case", RFC8032, ids=[case["name"] for case in RFC8032])
def test_rfc8032_signatures_verify_and_a_changed_message_does_not(
    case: dict[str, str],
) -> None:
    key = VerifierKey("rfc8032", ALG_ED25519, bytes.fromhex(case["public_key"]))
    message = bytes.fromhex(case["message"])
    signature = bytes.fromhex(case["signature"])

    key.verify(signature=signature, message=message)
    with pytest.raises(InvalidSignatureError, match="invalid signature for key"):
        key.verify(signature=signature, message=message + b"\x00")


def test_the_1023_byte_vector_is_really_1023_bytes() -> None:
    (long_case,) = [case for case in RFC8032 if case["name"] == "TEST 1024"]
    assert len(bytes.fromhex(long_case["message"])) == 1023


@pytest.mark.parametrize("length", [0, 63, 65, 72])
def test_a_signature_of_the_wrong_length_is_invalid_not_a_value_error(
    length: int,
) -> None:
    key = Signer.from_seed("k", bytes(32)).verifier()
    with pytest.raises(InvalidSignatureError, match=f"not {length}"):
        key.verify(signature=bytes(length), message=b"m")


def test_a_flipped_signature_bit_is_an_invalid_signature() -> None:
    signer = Signer.from_seed("k", bytes(range(32)))
    signature = bytearray(signer.sign(b"message"))
    signature[10] ^= 0x01
    with pytest.raises(InvalidSignatureError):
        signer.verifier().verify(signature=bytes(signature), message=b"message")


# --- key ids and key references ----------------------------------------------------
def test_key_id_is_sha256_of_name_newline_type_and_key_truncated_to_four_bytes() -> (
    None
):
    key = VerifierKey.from_vkey(PETER_VKEY)
    expected = hashlib.sha256(b"PeterNeumann\n\x01" + key.public_key).digest()[:4]

    assert compute_key_id("PeterNeumann", ALG_ED25519, key.public_key) == expected
    assert key.key_id.hex() == GO["peter"]["key_id"] == "c74f20a3"


def test_the_same_key_has_another_key_id_as_a_cosignature_key() -> None:
    signer = Signer.from_seed("witness.example/w", bytes(32))
    cosigner = Signer.from_seed("witness.example/w", bytes(32), alg=ALG_COSIGNATURE_V1)

    assert signer.public_key == cosigner.public_key
    assert signer.key_id != cosigner.key_id
    assert cosigner.key_id == compute_key_id(
        "witness.example/w", 0x04, cosigner.public_key
    )


def test_key_refs_are_name_plus_eight_lowercase_hex_and_round_trip() -> None:
    ref = format_key_ref("example.com/foo", KeyId(bytes.fromhex("530d903a")))

    assert ref == "example.com/foo+530d903a"
    assert parse_key_ref(ref) == ("example.com/foo", bytes.fromhex("530d903a"))


@pytest.mark.parametrize(
    "text",
    [
        "no-plus",
        "name+530D903A",
        "name+530d903",
        "name+530d903a0",
        "+530d903a",
        "a b+530d903a",
        "name+530d903g",
        "name+530d903a ",
    ],
)
def test_malformed_key_refs_are_rejected(text: str) -> None:
    with pytest.raises(MalformedKeyError):
        parse_key_ref(text)


def test_format_key_ref_rejects_a_key_id_that_is_not_four_bytes() -> None:
    with pytest.raises(MalformedKeyError, match="4 bytes"):
        format_key_ref("name", KeyId(b"\x00\x01\x02"))


def test_compute_key_id_rejects_a_type_that_is_not_a_byte() -> None:
    with pytest.raises(MalformedKeyError, match="not a byte"):
        compute_key_id("name", 256, bytes(32))


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a+b",
        "a b",
        "a\tb",
        "a\nb",
        "a\u00a0b",
        "a\u2003b",
        "a\u2028b",
        "a\u3000b",
        "a\x00b",
        "a\x7fb",
        "a\x85b",
        "a\ud800b",
    ],
)
def test_key_names_with_plus_space_or_control_characters_are_rejected(
    name: str,
) -> None:
    with pytest.raises(MalformedKeyError, match="key name"):
        check_key_name(name)


@pytest.mark.parametrize(
    "name",
    ["example.com/foo", "transparency.dev/DEV:witness-little-garden", "成都/物协"],
)
def test_urls_and_non_ascii_names_are_valid_key_names(name: str) -> None:
    check_key_name(name)
    assert Signer.from_seed(name, bytes(32)).name == name


# --- verifier keys -------------------------------------------------------------------
ALL_VKEYS = [
    PETER_VKEY,
    GO["enoch"]["vkey"],
    C2SP["verifier_key_example"]["vkey"],
    REAL["checkpoint"]["log_vkey"],
    *(entry["vkey"] for entry in REAL["vkeys"].values()),
]


@pytest.mark.parametrize("vkey", ALL_VKEYS)
def test_published_vkeys_parse_and_round_trip_byte_for_byte(vkey: str) -> None:
    key = VerifierKey.from_vkey(vkey)
    assert key.to_vkey() == vkey
    assert key.key_ref == "+".join(vkey.split("+", 2)[:2])


def test_the_c2sp_vkey_example_has_the_published_name_type_and_key() -> None:
    example = C2SP["verifier_key_example"]
    key = VerifierKey.from_vkey(example["vkey"])

    assert key.name == example["name"]
    assert key.alg == ALG_ED25519
    assert key.public_key.hex() == example["public_key"]
    assert key.key_id.hex() == "530d903a"


def test_a_vkey_is_split_on_its_first_two_plus_signs_only() -> None:
    (sumdb,) = [v for k, v in REAL["vkeys"].items() if k.startswith("sum.golang.org")]
    key = VerifierKey.from_vkey(sumdb["vkey"])

    assert key.name == "sum.golang.org"
    assert key.key_id.hex() == "033de0ae"
    assert key.to_vkey() == sumdb["vkey"]


def test_cosignature_vkeys_have_type_four() -> None:
    (remora,) = [v for k, v in REAL["vkeys"].items() if k.endswith("remora.n621.de")]
    key = VerifierKey.from_vkey(remora["vkey"])

    assert key.alg == ALG_COSIGNATURE_V1 == remora["alg"]
    assert key.key_ref == "remora.n621.de+da77ade7"


@pytest.mark.parametrize("reason", sorted(GO["bad_vkeys"]))
def test_go_bad_vkeys_are_rejected(reason: str) -> None:
    with pytest.raises(MalformedKeyError):
        VerifierKey.from_vkey(GO["bad_vkeys"][reason])


def test_every_substring_of_a_vkey_is_rejected() -> None:
    # golang.org/x/mod note_test.go TestNewVerifier: all manglings must fail.
    for i in range(len(PETER_VKEY) + 1):
        for j in range(i + 1, len(PETER_VKEY) + 1):
            if (i, j) != (0, len(PETER_VKEY)):
                with pytest.raises(MalformedKeyError):
                    VerifierKey.from_vkey(PETER_VKEY[i:j])


def test_every_incremented_byte_of_a_vkey_is_rejected() -> None:
    raw = PETER_VKEY.encode("ascii")
    for i in range(len(raw)):
        mangled = raw[:i] + bytes([raw[i] + 1]) + raw[i + 1 :]
        with pytest.raises(MalformedKeyError):
            VerifierKey.from_vkey(mangled.decode("latin-1"))


@pytest.mark.parametrize(
    ("vkey", "message"),
    [
        (
            "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "claims",
        ),
        ("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "hex"),
        (
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TX",
            "claims",
        ),
        (
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW ",
            "base64",
        ),
        (
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n",
            "base64",
        ),
        (
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq_LDE4izWy10TW",
            "base64",
        ),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64"),
        ("PeterNeumann+c74f20a3+", "no key material"),
        ("PeterNeumann+c74f20a3", "form"),
        (
            "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
            "space",
        ),
        ("PeterNeumann+c74f20a3+ApKc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "type"),
        ("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy", "33|bytes"),
        (
            "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy1０TW",
            "base64",
        ),
    ],
)
def test_malformed_vkeys_raise_malformed_key_error_with_a_reason(
    vkey: str, message: str
) -> None:
    with pytest.raises(MalformedKeyError, match=message):
        VerifierKey.from_vkey(vkey)


def test_verifier_keys_are_equal_by_name_type_and_public_key() -> None:
    a = VerifierKey.from_vkey(PETER_VKEY)
    b = VerifierKey.from_vkey(PETER_VKEY)
    as_cosigner = VerifierKey("PeterNeumann", ALG_COSIGNATURE_V1, a.public_key)
    renamed = VerifierKey("PeterNeumann2", ALG_ED25519, a.public_key)

    assert a == b
    assert hash(a) == hash(b)
    assert len({a, b, as_cosigner, renamed}) == 3
    assert a != as_cosigner
    assert a != renamed
    assert a != PETER_VKEY


def test_verifier_key_constructor_checks_the_key_length_and_type() -> None:
    with pytest.raises(MalformedKeyError, match="32 bytes, not 31"):
        VerifierKey("name", ALG_ED25519, bytes(31))
    with pytest.raises(MalformedKeyError, match="unsupported signature type"):
        VerifierKey("name", 0x02, bytes(32))


# --- signer keys ---------------------------------------------------------------------
def test_the_go_skey_gives_the_go_vkey_and_round_trips() -> None:
    signer = Signer.from_skey(PETER_SKEY)

    assert signer.vkey == PETER_VKEY
    assert signer.key_ref == "PeterNeumann+c74f20a3"
    assert signer.to_skey() == PETER_SKEY
    assert signer.verifier() == VerifierKey.from_vkey(PETER_VKEY)


def test_every_substring_of_an_skey_is_rejected() -> None:
    # golang.org/x/mod note_test.go TestNewSigner.
    for i in range(len(PETER_SKEY) + 1):
        for j in range(i + 1, len(PETER_SKEY) + 1):
            if (i, j) != (0, len(PETER_SKEY)):
                with pytest.raises(MalformedKeyError):
                    Signer.from_skey(PETER_SKEY[i:j])


def test_every_incremented_byte_of_an_skey_is_rejected() -> None:
    raw = PETER_SKEY.encode("ascii")
    for i in range(len(raw)):
        mangled = raw[:i] + bytes([raw[i] + 1]) + raw[i + 1 :]
        with pytest.raises(MalformedKeyError):
            Signer.from_skey(mangled.decode("latin-1"))


def test_skey_errors_never_quote_the_secret() -> None:
    secret = PETER_SKEY.rsplit("+", 1)[1]
    for mangled in (PETER_SKEY + "A", PETER_SKEY[:-1] + "!", PETER_SKEY + "AAAA"):
        with pytest.raises(MalformedKeyError) as raised:
            Signer.from_skey(mangled)
        assert secret[:8] not in str(raised.value)


@pytest.mark.parametrize("alg", [ALG_ED25519, ALG_COSIGNATURE_V1])
def test_generated_signers_round_trip_through_skey_and_vkey(alg: int) -> None:
    signer = Signer.generate("example.com/log", alg=alg)
    again = Signer.from_skey(signer.to_skey())
    key = VerifierKey.from_vkey(signer.vkey)

    assert again.public_key == signer.public_key
    assert again.key_id == signer.key_id == key.key_id
    assert key.alg == alg
    key.verify(signature=again.sign(b"hello"), message=b"hello")


def test_a_signer_gives_back_its_seed() -> None:
    seed = bytes(range(32))
    assert Signer.from_seed("name", seed).seed == seed
    assert Signer.from_skey(PETER_SKEY).seed.hex() == (
        "810a1402d5146c8d84f2443330f54080ebf98ee17d9c74f6252fc5d5c7283173"
    )


def test_signer_repr_does_not_reveal_the_seed() -> None:
    seed = bytes(range(32))
    signer = Signer.from_seed("name", seed)
    skey_secret = signer.to_skey().rsplit("+", 1)[1]

    assert skey_secret not in repr(signer)
    assert seed.hex() not in repr(signer)
    assert repr(signer) == f"Signer('name+{signer.key_id.hex()}', alg=0x01)"


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_a_seed_must_be_32_bytes(length: int) -> None:
    with pytest.raises(MalformedKeyError, match=f"not {length}"):
        Signer.from_seed("name", bytes(length))


def test_only_types_one_and_four_can_be_generated() -> None:
    for alg in (0x00, 0x02, 0x05, 0xFF):
        with pytest.raises(MalformedKeyError, match="unsupported signature type"):
            Signer.generate("name", alg=alg)


def test_an_skey_of_an_unsupported_type_is_rejected() -> None:
    seed = bytes(32)
    skey = "PRIVATE+KEY+name+00000000+" + base64.b64encode(b"\x02" + seed).decode()
    with pytest.raises(MalformedKeyError, match="unsupported signature type"):
        Signer.from_skey(skey)


def test_strict_base64_refuses_non_canonical_padding_bits() -> None:
    assert b64decode_strict("AQ==", what="x") == b"\x01"
    for text in ("AR==", "AQ", "AQ=", "AQ===", " AQ==", "AQ==\n", "A Q==", "ＡＱ=="):
        with pytest.raises(MalformedKeyError):
            b64decode_strict(text, what="x")
