"""Ed25519 keys in the C2SP signed-note key formats (https://c2sp.org/signed-note).

A key has a *name* (non-empty, no Unicode space, no ``+``), a one-byte *signature
type* and a 32-byte Ed25519 public key (RFC 8032). Its *key id* is
``SHA-256(name || 0x0A || type || public key)[:4]`` (signed-note §Signatures). Two
types are used here: ``0x01`` (Ed25519 over the note text: entry, registry and
checkpoint keys) and ``0x04`` (timestamped cosignatures, c2sp.org/tlog-cosignature:
witness keys). The same Ed25519 key has a different key id under each type.

Keys travel as text, in the formats of golang.org/x/mod ``sumdb/note``:

- verifier key (vkey): ``<name>+<8 lowercase hex key id>+<base64(type || public key)>``;
  parsed by splitting on the first two ``+`` only, since base64 may contain ``+``;
- signer key (skey): ``PRIVATE+KEY+<name>+<hex key id>+<base64(type || seed)>``.

Parsers are strict so that ``to_vkey(from_vkey(x)) == x``: lowercase hex, canonical
base64 (RFC 4648 §4, padded, no stray bits), a key id that matches the key. Every
rejection raises :class:`~domain.errors.MalformedKeyError`; every failed verification
raises :class:`~domain.errors.InvalidSignatureError` (pyca's ``InvalidSignature`` is
translated here and never escapes). Names are stricter than the spec in one way: C0
and C1 control characters (and lone surrogates) are refused too, since a signed note
can never carry them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import unicodedata
from typing import Final, NewType

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

from domain.errors import InvalidSignatureError, LedgerError, MalformedKeyError

#: The 4-byte key id of signed-note: SHA-256(name || 0x0A || type || key)[:4].
KeyId = NewType("KeyId", bytes)

#: Signature type 0x01: Ed25519 over the note text (signed-note §Ed25519 signatures).
ALG_ED25519: Final = 0x01
#: Signature type 0x04: timestamped Ed25519 cosignature/v1 (c2sp.org/tlog-cosignature).
ALG_COSIGNATURE_V1: Final = 0x04

ALGORITHM_NAMES: Final[dict[int, str]] = {
    ALG_ED25519: "Ed25519",
    ALG_COSIGNATURE_V1: "Ed25519 cosignature/v1",
}

KEY_ID_SIZE: Final = 4
PUBLIC_KEY_SIZE: Final = 32
SEED_SIZE: Final = 32
SIGNATURE_SIZE: Final = 64

_SKEY_PREFIX: Final = "PRIVATE+KEY+"
_HEX_KEY_ID = re.compile(r"[0-9a-f]{8}")


# --- base64 -------------------------------------------------------------------------
def b64encode(data: bytes) -> str:
    """Standard padded base64 (RFC 4648 §4), as every C2SP text format uses."""
    return base64.b64encode(data).decode("ascii")


def b64decode_strict(
    text: str, *, what: str, error: type[LedgerError] = MalformedKeyError
) -> bytes:
    """Decode canonical standard base64 or raise ``error`` naming ``what``.

    Only the RFC 4648 §4 alphabet with correct padding is accepted, and the text
    must be the one encoding of its bytes (no non-zero padding bits), so that every
    parser here round-trips byte for byte.
    """
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise error(f"{what} is not valid base64: {text[:80]!r}") from None
    if b64encode(raw) != text:
        raise error(f"{what} is not canonical base64: {text[:80]!r}")
    return raw


# --- names, key ids, key references -------------------------------------------------
def check_key_name(name: str) -> None:
    """Check a signed-note key name: non-empty, no Unicode space, no ``+``.

    Control characters and lone surrogates are refused as well. Raises
    :class:`MalformedKeyError`.
    """
    if not name:
        raise MalformedKeyError("a key name must not be empty")
    for position, char in enumerate(name):
        if char == "+":
            raise MalformedKeyError(
                f"key name {name!r} contains '+' at position {position}"
            )
        if char.isspace():
            raise MalformedKeyError(
                f"key name {name!r} contains a space (U+{ord(char):04X}) at position "
                f"{position}"
            )
        if unicodedata.category(char) in ("Cc", "Cs"):
            raise MalformedKeyError(
                f"key name {name!r} contains a control character or lone surrogate "
                f"(U+{ord(char):04X}) at position {position}"
            )


def _check_alg(alg: int) -> None:
    if alg not in ALGORITHM_NAMES:
        raise MalformedKeyError(
            f"unsupported signature type {alg!r}: expected 0x01 (Ed25519) or 0x04 "
            "(cosignature/v1)"
        )


def compute_key_id(name: str, alg: int, public_key: bytes) -> KeyId:
    """``SHA-256(name || 0x0A || alg || public_key)[:4]`` (signed-note §Signatures)."""
    check_key_name(name)
    if not 0 <= alg <= 0xFF:
        raise MalformedKeyError(f"signature type {alg!r} is not a byte")
    digest = hashlib.sha256(
        name.encode("utf-8") + b"\n" + bytes([alg]) + bytes(public_key)
    ).digest()
    return KeyId(digest[:KEY_ID_SIZE])


def format_key_ref(name: str, key_id: bytes) -> str:
    """``<name>+<8 lowercase hex>``: how entries name the key that signed them."""
    check_key_name(name)
    if len(key_id) != KEY_ID_SIZE:
        raise MalformedKeyError(f"a key id is {KEY_ID_SIZE} bytes, not {len(key_id)}")
    return f"{name}+{bytes(key_id).hex()}"


def _parse_key_id(text: str) -> KeyId:
    if not _HEX_KEY_ID.fullmatch(text):
        raise MalformedKeyError(
            f"key id {text[:40]!r} is not 8 lowercase hexadecimal digits"
        )
    return KeyId(bytes.fromhex(text))


def parse_key_ref(text: str) -> tuple[str, KeyId]:
    """Parse ``<name>+<8 lowercase hex>``; raises :class:`MalformedKeyError`."""
    if not isinstance(text, str):
        raise MalformedKeyError("a key reference must be a string")
    name, plus, hex_id = text.rpartition("+")
    if not plus:
        raise MalformedKeyError(
            f"key reference {text[:80]!r} is not of the form <name>+<8 hex digits>"
        )
    check_key_name(name)
    return name, _parse_key_id(hex_id)


# --- verifier keys ------------------------------------------------------------------
class VerifierKey:
    """A named Ed25519 public key of type 0x01 or 0x04 (a signed-note vkey)."""

    __slots__ = ("_public", "alg", "key_id", "name", "public_key")

    name: str
    alg: int
    public_key: bytes
    key_id: KeyId

    def __init__(self, name: str, alg: int, public_key: bytes) -> None:
        check_key_name(name)
        _check_alg(alg)
        public_key = bytes(public_key)
        if len(public_key) != PUBLIC_KEY_SIZE:
            raise MalformedKeyError(
                f"an Ed25519 public key is {PUBLIC_KEY_SIZE} bytes, not "
                f"{len(public_key)}"
            )
        try:
            self._public = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError:  # pragma: no cover - pyca accepts any 32 bytes
            raise MalformedKeyError(
                f"key {name!r} is not an Ed25519 public key"
            ) from None
        self.name = name
        self.alg = alg
        self.public_key = public_key
        self.key_id = compute_key_id(name, alg, public_key)

    @classmethod
    def from_vkey(cls, text: str) -> VerifierKey:
        """Parse ``<name>+<hex key id>+<base64(type || key)>``.

        Splits on the first two ``+`` only; checks the key id against the key.
        Raises :class:`MalformedKeyError`.
        """
        if not isinstance(text, str):
            raise MalformedKeyError("a verifier key must be a string")
        parts = text.split("+", 2)
        if len(parts) != 3:
            raise MalformedKeyError(
                f"verifier key {text[:80]!r} is not of the form "
                "<name>+<key id>+<base64 key>"
            )
        name, hex_id, encoded = parts
        check_key_name(name)
        key_id = _parse_key_id(hex_id)
        raw = b64decode_strict(encoded, what=f"the key material of {name!r}")
        if not raw:
            raise MalformedKeyError(f"verifier key {name!r} has no key material")
        _check_alg(raw[0])
        key = cls(name, raw[0], raw[1:])
        if key.key_id != key_id:
            raise MalformedKeyError(
                f"verifier key {name!r} claims key id {key_id.hex()} but its key has "
                f"key id {key.key_id.hex()}"
            )
        return key

    def to_vkey(self) -> str:
        return (
            f"{self.name}+{self.key_id.hex()}+"
            f"{b64encode(bytes([self.alg]) + self.public_key)}"
        )

    @property
    def key_ref(self) -> str:
        """``<name>+<hex key id>``."""
        return format_key_ref(self.name, self.key_id)

    def verify(self, *, signature: bytes, message: bytes) -> None:
        """Check a raw 64-byte Ed25519 signature (RFC 8032) over ``message``.

        Returns nothing; raises :class:`InvalidSignatureError`.
        """
        if len(signature) != SIGNATURE_SIZE:
            raise InvalidSignatureError(
                f"invalid signature for key {self.key_ref}: an Ed25519 signature is "
                f"{SIGNATURE_SIZE} bytes, not {len(signature)}",
                context={"key": self.key_ref},
            )
        try:
            self._public.verify(bytes(signature), bytes(message))
        except InvalidSignature:
            raise InvalidSignatureError(
                f"invalid signature for key {self.key_ref}",
                context={"key": self.key_ref},
            ) from None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VerifierKey):
            return NotImplemented
        return (self.name, self.alg, self.public_key) == (
            other.name,
            other.alg,
            other.public_key,
        )

    def __hash__(self) -> int:
        return hash((self.name, self.alg, self.public_key))

    def __repr__(self) -> str:
        return f"VerifierKey.from_vkey({self.to_vkey()!r})"


# --- signers ------------------------------------------------------------------------
class Signer:
    """An Ed25519 private key with a signed-note name."""

    __slots__ = ("_private", "alg", "key_id", "name", "public_key")

    name: str
    alg: int
    public_key: bytes
    key_id: KeyId

    def __init__(
        self, name: str, private_key: Ed25519PrivateKey, *, alg: int = ALG_ED25519
    ) -> None:
        check_key_name(name)
        _check_alg(alg)
        if not isinstance(private_key, Ed25519PrivateKey):
            raise MalformedKeyError("a signer needs an Ed25519 private key")
        self._private = private_key
        self.name = name
        self.alg = alg
        self.public_key = private_key.public_key().public_bytes(
            Encoding.Raw, PublicFormat.Raw
        )
        self.key_id = compute_key_id(name, alg, self.public_key)

    @classmethod
    def generate(cls, name: str, *, alg: int = ALG_ED25519) -> Signer:
        """A new random key (pyca ``Ed25519PrivateKey.generate``)."""
        return cls(name, Ed25519PrivateKey.generate(), alg=alg)

    @classmethod
    def from_seed(cls, name: str, seed: bytes, *, alg: int = ALG_ED25519) -> Signer:
        """The key with this 32-byte RFC 8032 private key (seed)."""
        if len(seed) != SEED_SIZE:
            raise MalformedKeyError(
                f"an Ed25519 seed is {SEED_SIZE} bytes, not {len(seed)}"
            )
        return cls(name, Ed25519PrivateKey.from_private_bytes(bytes(seed)), alg=alg)

    @classmethod
    def from_skey(cls, text: str) -> Signer:
        """Parse ``PRIVATE+KEY+<name>+<hex key id>+<base64(type || seed)>``.

        The key id must match the public key derived from the seed. Raises
        :class:`MalformedKeyError`; messages never quote the secret part.
        """
        if not text.startswith(_SKEY_PREFIX):
            raise MalformedKeyError("a signer key must start with 'PRIVATE+KEY+'")
        parts = text[len(_SKEY_PREFIX) :].split("+", 2)
        if len(parts) != 3:
            raise MalformedKeyError(
                "a signer key is PRIVATE+KEY+<name>+<key id>+<base64 seed>"
            )
        name, hex_id, encoded = parts
        check_key_name(name)
        key_id = _parse_key_id(hex_id)
        try:
            raw = b64decode_strict(encoded, what="the signer key's secret")
        except MalformedKeyError:
            raise MalformedKeyError(
                f"the secret of signer key {name!r} is not canonical base64"
            ) from None
        if len(raw) != 1 + SEED_SIZE:
            raise MalformedKeyError(
                f"the secret of signer key {name!r} is {len(raw)} bytes, not "
                f"{1 + SEED_SIZE} (type byte and seed)"
            )
        signer = cls.from_seed(name, raw[1:], alg=raw[0])
        if signer.key_id != key_id:
            raise MalformedKeyError(
                f"signer key {name!r} claims key id {key_id.hex()} but its key has "
                f"key id {signer.key_id.hex()}"
            )
        return signer

    @property
    def seed(self) -> bytes:
        """The 32-byte RFC 8032 private key (seed). Keep it secret."""
        return self._private.private_bytes(
            Encoding.Raw, PrivateFormat.Raw, NoEncryption()
        )

    def to_skey(self) -> str:
        """The secret signer key text. Keep it secret."""
        return (
            f"{_SKEY_PREFIX}{self.name}+{self.key_id.hex()}+"
            f"{b64encode(bytes([self.alg]) + self.seed)}"
        )

    @property
    def vkey(self) -> str:
        """``<name>+<hex key id>+<base64(type || public key)>``."""
        return self.verifier().to_vkey()

    @property
    def key_ref(self) -> str:
        """``<name>+<hex key id>``."""
        return format_key_ref(self.name, self.key_id)

    def verifier(self) -> VerifierKey:
        return VerifierKey(self.name, self.alg, self.public_key)

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Ed25519 signature (RFC 8032) over ``message``."""
        return self._private.sign(bytes(message))

    def __repr__(self) -> str:
        return f"Signer({self.key_ref!r}, alg=0x{self.alg:02x})"
