"""Field encryption primitives (SECURITY D1/D2): AES-GCM with key ids, AAD binding, blind index."""

from __future__ import annotations

import uuid

import pytest

from app.core.crypto import DecryptionError, KeyRing, b64d, new_index_key, new_key_spec, parse_keys


def _ring(spec: str, active: str) -> KeyRing:
    return KeyRing(parse_keys(spec), active, b64d(new_index_key()))


def test_round_trip_and_no_plaintext() -> None:
    ring = _ring(new_key_spec("a1"), "a1")
    org, row = uuid.uuid4(), uuid.uuid4()
    aad = KeyRing.aad(org, "client", "a_number", row)
    token = ring.encrypt("012345678", aad)
    assert token.startswith("v1.a1.") and "012345678" not in token
    assert ring.decrypt(token, aad) == "012345678"
    assert ring.encrypt("012345678", aad) != token  # random nonce


@pytest.mark.parametrize("field", ["org", "table", "column", "row"])
def test_ciphertext_moved_elsewhere_fails(field: str) -> None:
    ring = _ring(new_key_spec("a1"), "a1")
    parts = {"org": uuid.uuid4(), "table": "client", "column": "a_number", "row": uuid.uuid4()}
    token = ring.encrypt("secret", KeyRing.aad(parts["org"], parts["table"], parts["column"], parts["row"]))
    moved = dict(parts)
    moved[field] = uuid.uuid4() if field in ("org", "row") else "other"
    with pytest.raises(DecryptionError):
        ring.decrypt(token, KeyRing.aad(moved["org"], moved["table"], moved["column"], moved["row"]))


def test_tampering_and_garbage_fail() -> None:
    ring = _ring(new_key_spec("a1"), "a1")
    aad = b"x"
    token = ring.encrypt("secret", aad)
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    for bad in (flipped, "v1.zz.AAAA", "garbage", "v2.a1.AAAA", ""):
        with pytest.raises(DecryptionError):
            ring.decrypt(bad, aad)


def test_rotation_old_keys_still_decrypt() -> None:
    old_spec, new_spec = new_key_spec("k1"), new_key_spec("k2")
    old = _ring(old_spec, "k1")
    token = old.encrypt("notes", b"aad")
    both = KeyRing(parse_keys(f"{old_spec},{new_spec}"), "k2", old.index_key)
    assert both.decrypt(token, b"aad") == "notes"
    again = both.encrypt("notes", b"aad")
    assert KeyRing.key_id(again) == "k2"


def test_blind_index_is_per_organization_and_keyed() -> None:
    ring = _ring(new_key_spec("a1"), "a1")
    o1, o2 = uuid.uuid4(), uuid.uuid4()
    assert ring.blind_index(o1, "012345678") == ring.blind_index(o1, "012345678")
    assert ring.blind_index(o1, "012345678") != ring.blind_index(o2, "012345678")
    other = _ring(new_key_spec("a1"), "a1")
    assert other.blind_index(o1, "012345678") != ring.blind_index(o1, "012345678")


@pytest.mark.parametrize("spec", ["k1:short", "bad id!:" + "A" * 43, "k1"])
def test_bad_key_specs_rejected(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_keys(spec)
