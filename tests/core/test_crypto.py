"""Field encryption primitives (docs/security-model.md#data-at-rest): AES-GCM with key ids, AAD binding, blind index."""

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


def test_bytes_round_trip_binding_and_rotation() -> None:
    old_spec, new_spec = new_key_spec("b1"), new_key_spec("b2")
    ring = _ring(old_spec, "b1")
    org, row = uuid.uuid4(), uuid.uuid4()
    aad = KeyRing.aad(org, "filing_document", "pdf", row)
    pdf = b"%PDF-1.7\n\x00\xff binary . with dots A-012-345-678\n%%EOF"
    token = ring.encrypt_bytes(pdf, aad)
    assert token.startswith(b"v1.b1.") and b"012-345-678" not in token and b"%PDF" not in token
    assert KeyRing.key_id_bytes(token) == "b1"
    assert ring.decrypt_bytes(token, aad) == pdf
    assert ring.decrypt_bytes(memoryview(token), aad) == pdf  # drivers may hand back a memoryview
    assert ring.encrypt_bytes(pdf, aad) != token  # random nonce
    with pytest.raises(DecryptionError):
        ring.decrypt_bytes(token, KeyRing.aad(org, "filing_document", "pdf", uuid.uuid4()))
    both = KeyRing(parse_keys(f"{old_spec},{new_spec}"), "b2", ring.index_key)
    assert both.decrypt_bytes(token, aad) == pdf  # old key still decrypts
    assert KeyRing.key_id_bytes(both.encrypt_bytes(pdf, aad)) == "b2"
    assert ring.encrypt_bytes(b"", aad) and ring.decrypt_bytes(ring.encrypt_bytes(b"", aad), aad) == b""


def test_bytes_tampering_and_garbage_fail() -> None:
    ring = _ring(new_key_spec("b1"), "b1")
    token = ring.encrypt_bytes(b"secret", b"aad")
    flipped = token[:-1] + bytes([token[-1] ^ 1])
    text_token = ring.encrypt("secret", b"aad").encode()  # the text form is not a binary token
    for bad in (flipped, b"v1.zz." + token[6:], b"garbage", b"v2.b1." + token[6:], b"", b"v1.b1.short",
                text_token, b"v1.\xff\xfe." + token[6:]):
        with pytest.raises(DecryptionError):
            ring.decrypt_bytes(bad, b"aad")
    assert KeyRing.key_id_bytes(b"garbage") is None
