"""Key rotation for client documents: re-encrypt titles and bytes under the active key.

Run by ``dueprocess keys rotate`` after the client and filing tables. Idempotent: a row already under the
active key is skipped. Content is re-encrypted only when its plaintext still hashes to the row's ``sha256``
(never re-encrypt, as if it were the document, something that is not). One document in memory at a time.
"""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlmodel import Session

from app.core import crypto, keyring
from app.core.types import table_of
from app.documents.models import ClientDocument, ClientDocumentContent, content_aad, title_aad

PAGE = 200


def rotate_document_keys(session: Session) -> dict[str, dict[str, int]]:
    ring = keyring.ring()
    active = ring.active
    docs = table_of(ClientDocument)
    contents = table_of(ClientDocumentContent)
    title = {"scanned": 0, "rotated": 0, "failed": 0}
    content = {"scanned": 0, "rotated": 0, "failed": 0}
    last = None
    while True:
        stmt = sa.select(docs.c.id, docs.c.organization_id).order_by(docs.c.id).limit(PAGE)
        if last is not None:
            stmt = stmt.where(docs.c.id > last)
        ids = session.execute(stmt).all()
        if not ids:
            break
        for doc_id, org in ids:
            row = session.execute(sa.select(docs.c.title_ct, docs.c.sha256).where(docs.c.id == doc_id)).one()
            title["scanned"] += 1
            if crypto.KeyRing.key_id(row.title_ct) != active:
                try:
                    plain = ring.decrypt(row.title_ct, title_aad(org, doc_id))
                    session.execute(sa.update(docs).where(docs.c.id == doc_id)
                                    .values(title_ct=ring.encrypt(plain, title_aad(org, doc_id))))
                    title["rotated"] += 1
                except crypto.DecryptionError:
                    title["failed"] += 1
            token = session.execute(sa.select(contents.c.content_ct)
                                    .where(contents.c.document_id == doc_id)).scalar_one_or_none()
            if token is None:
                continue
            content["scanned"] += 1
            if crypto.KeyRing.key_id_bytes(bytes(token)) == active:
                continue
            try:
                data = ring.decrypt_bytes(bytes(token), content_aad(org, doc_id))
            except crypto.DecryptionError:
                content["failed"] += 1
                continue
            if hashlib.sha256(data).hexdigest() != row.sha256:
                content["failed"] += 1
                continue
            session.execute(sa.update(contents).where(contents.c.document_id == doc_id)
                            .values(content_ct=ring.encrypt_bytes(data, content_aad(org, doc_id))))
            content["rotated"] += 1
        session.commit()
        last = ids[-1][0]
    return {"client_document": title, "client_document_content": content}
