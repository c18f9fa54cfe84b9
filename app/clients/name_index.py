"""Word index of client names for name search (``GET /clients?q=``): tokens, their upkeep, the prefix query.

A client's words are the words of ``client.search_name`` (given names, surnames, name on the charging
document and aliases, folded by ``app.core_data.names.fold_for_search``: accents and case dropped). A word
joined by hyphens, apostrophes, dots, commas, slashes or parentheses is indexed whole and also by its parts
and their concatenation:
``garcia-lopez`` -> ``garcia-lopez``, ``garcia``, ``lopez``, ``garcialopez``; ``o'brien`` -> ``o'brien``,
``o``, ``brien``, ``obrien``.

A query matches a client when every word of it is the beginning of one of the client's words (``garc``
finds García, ``maria jose`` finds María José Núñez, ``lopez`` finds García-López), so each query word is one
key range of ``client_name_token`` within the organization and the cost follows the matches, not the table.

``index_client``/``unindex_client`` keep the table in step with ``search_name`` inside the caller's
transaction; ``token_rows`` serves the bulk paths (CSV import, migration backfill, benchmarks).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.clients.models import NAME_TOKEN_MAX, Client, ClientNameToken
from app.core_data.names import fold_for_search

__all__ = ["MAX_QUERY_WORDS", "index_client", "match_query", "name_tokens", "query_words", "token_rows",
           "unindex_client"]

MAX_QUERY_WORDS = 8
_JOINERS = "-'.,/()"
_SPLIT = re.compile(f"[{re.escape(_JOINERS)}]+")

TOKENS = ClientNameToken.__table__  # type: ignore[attr-defined]


def name_tokens(search_name: str) -> list[str]:
    """The distinct index words of a folded ``search_name`` (in first-seen order)."""
    out: dict[str, None] = {}

    def add(word: str) -> None:
        if word:
            out.setdefault(word[:NAME_TOKEN_MAX], None)

    for word in search_name.split():
        add(word)
        parts = [p for p in _SPLIT.split(word) if p]
        if parts != [word]:
            for part in parts:
                add(part)
            add("".join(parts))
    return list(out)


def query_words(q: str) -> list[str]:
    """The folded words of a query, each to be matched as a word prefix.

    Punctuation around a word is dropped (``garcia,`` -> ``garcia``) unless nothing else is left; a word that
    begins another word of the query adds nothing (``ana anabel`` = ``anabel``) and is left out."""
    words: list[str] = []
    for raw in fold_for_search(q).split():
        word = (raw.strip(_JOINERS) or raw)[:NAME_TOKEN_MAX]
        if word not in words:
            words.append(word)
    words = words[:MAX_QUERY_WORDS]
    return [w for w in words if not any(o != w and o.startswith(w) for o in words)]


def _after_prefix(prefix: str) -> str | None:
    """The least string greater than every string starting with ``prefix`` (code point order), if any."""
    chars = list(prefix)
    while chars:
        cp = ord(chars[-1]) + 1
        if cp == 0xD800:  # surrogates are not characters
            cp = 0xE000
        if cp <= 0x10FFFF:
            chars[-1] = chr(cp)
            return "".join(chars)
        chars.pop()
    return None


def _prefix_condition(column: Any, prefix: str) -> Any:
    end = _after_prefix(prefix)
    return column >= prefix if end is None else sa.and_(column >= prefix, column < end)


def match_query(org_id: uuid.UUID, words: list[str]) -> sa.Select[Any] | sa.CompoundSelect[Any]:
    """``(client_created_at, client_id)`` of the organization's live clients matching every word, each once.

    Each word is one key range of the primary key (the organization's words starting with it); several words
    are the INTERSECT of their ranges. The cost follows the number of index entries in the ranges."""
    t = TOKENS

    def word_range(word: str) -> sa.Select[Any]:
        return sa.select(t.c.client_created_at, t.c.client_id).where(
            t.c.organization_id == org_id, _prefix_condition(t.c.token, word))

    if len(words) == 1:
        return word_range(words[0]).distinct()  # a client may have two words with this beginning
    return sa.intersect(*[word_range(w) for w in words])


# --- upkeep --------------------------------------------------------------------------------------

def token_rows(org_id: uuid.UUID, client_id: uuid.UUID, created_at: datetime,
               search_name: str) -> list[dict[str, Any]]:
    """``client_name_token`` rows of one client (for bulk inserts)."""
    return [{"organization_id": org_id, "token": tok, "client_created_at": created_at, "client_id": client_id}
            for tok in name_tokens(search_name)]


def unindex_client(session: Session, client_id: uuid.UUID) -> None:
    """Remove a client's words (soft delete; before rewriting them)."""
    session.execute(sa.delete(TOKENS).where(TOKENS.c.client_id == client_id))


def index_client(session: Session, client: Client) -> None:
    """Rewrite a client's words from its ``search_name`` (the client row must already be flushed)."""
    unindex_client(session, client.id)
    if client.deleted_at is not None:
        return
    rows = token_rows(client.organization_id, client.id, client.created_at, client.search_name)
    if rows:
        session.execute(sa.insert(TOKENS), rows)
