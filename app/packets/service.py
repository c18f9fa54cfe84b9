"""Emergency packet use cases: prepare (every document's context, every gap at once), store (one transaction),
read, zip and review PDF.

Like a single draft (app/filings/service.py), a packet is built in three steps so that no transaction stays
open while PDFs render: `prepare_packet` reads the record and validates every document, then ends the
transaction; the router renders the documents in parallel on the API's render pool; `store_packet` writes
every filing, the packet row, the DOCX copies and the audit events in one transaction. A gap or a failed
render stores nothing: no filing and no packet row is left half-written.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from app.clients import service as clients_service
from app.clients.anumber import display_a_number
from app.core import audit
from app.core.audit import AuditActor
from app.core.errors import ProblemError, not_found
from app.core.types import utcnow
from app.core_data.court_profiles import CourtProfile, court_profile
from app.documents import service as documents_service
from app.documents.merge import merge_pdfs as merge_with_slip_sheets
from app.filings import exhibits
from app.filings import service as filings_service
from app.filings.districts import get_district
from app.filings.drafting import Draft, Drafter, build_record, resolve_attorney
from app.filings.models import Filing, FilingDocument
from app.packets import files, plan
from app.packets.models import EmergencyPacket, PacketDocx
from app.packets.schemas import PacketCreate
from app.protection import alerts as alerts_service

if TYPE_CHECKING:
    from app.filings.render.pipeline import RenderResult

GAP_CODES = ("missing_filing_data", "invalid_filing_options")


@dataclass
class PacketPlan:
    client_id: uuid.UUID
    proceeding_id: uuid.UUID | None
    alert_id: uuid.UUID | None
    attorney_id: uuid.UUID
    situation: str
    court_id: str
    drafts: list[tuple[str, Draft]] = field(default_factory=list)
    warnings: list[dict[str, str]] = field(default_factory=list)


@dataclass
class _Gaps:
    by_kind: list[dict[str, Any]] = field(default_factory=list)

    def add(self, kind: str, missing: list[str], invalid: list[str]) -> None:
        if missing or invalid:
            self.by_kind.append({"kind": kind, "missing": missing, "invalid": invalid})

    def raise_if_any(self) -> None:
        if not self.by_kind:
            return
        missing = sorted({m for g in self.by_kind for m in g["missing"]})
        invalid = sorted({i for g in self.by_kind for i in g["invalid"]})
        if invalid:
            raise ProblemError(422, "invalid_filing_options", "Some options are not valid for the packet's "
                               "documents; every problem of every document is listed.",
                               extra={"missing": missing, "invalid": invalid, "documents": self.by_kind})
        raise ProblemError(422, "missing_filing_data", "The record lacks data the packet's documents need; every "
                           "missing field of every document is listed.",
                           extra={"missing": missing, "invalid": [], "documents": self.by_kind})


def _try(session: Session, caller: Drafter, client_id: uuid.UUID, kind: str, proceeding_id: uuid.UUID | None,
         options: dict[str, Any], now: datetime, gaps: _Gaps) -> Draft | None:
    """One document's draft, or None with its gaps recorded (other problems, e.g. venue_conflict, propagate)."""
    try:
        return build_record(session, caller, client_id, kind, proceeding_id, options, now)
    except ProblemError as problem:
        if problem.code not in GAP_CODES:
            raise
        gaps.add(kind, list(problem.extra.get("missing", [])), list(problem.extra.get("invalid", [])))
        return None


def _sealed(draft: Draft) -> Draft:
    """The public copy of a document where the court keeps identifiers out of public filings."""
    client = draft.context.client.model_copy(update={"a_number_display": None, "a_number_sealed": True})
    return dataclasses.replace(draft, context=draft.context.model_copy(update={"client": client}))


def prepare_packet(session: Session, caller: Drafter, client_id: uuid.UUID, body: PacketCreate,
                   now: datetime | None = None) -> PacketPlan:
    """Validate every document of the packet and return their contexts; the transaction is ended either way."""
    try:
        return _prepare(session, caller, client_id, body, now or utcnow())
    finally:
        session.rollback()


def _prepare(session: Session, caller: Drafter, client_id: uuid.UUID, body: PacketCreate,
             now: datetime) -> PacketPlan:
    client = clients_service.get_client(session, caller.org_id, client_id)
    proc = None
    if body.proceeding_id is not None:
        proc = clients_service.get_proceeding(session, caller.org_id, body.proceeding_id)
        if proc.client_id != client.id:
            raise not_found("proceeding_not_found", "No such proceeding.")
    alert = None
    if body.alert_id is not None:
        alert = alerts_service.get_alert(session, caller.org_id, body.alert_id)
        if alert.client_id != client.id:
            raise not_found("alert_not_found", "No such alert.")
    options = dict(body.options)
    gaps = _Gaps()
    gaps.add("packet", [], plan.unknown_options(options))
    attorney, attorney_problems = resolve_attorney(session, caller, body.attorney_id)
    gaps.add("packet", [], attorney_problems)
    signer = {"attorney_id": str(body.attorney_id)}

    situation = plan.situation_of(bool(proc is not None and proc.docket_number), removed=False)
    drafts: dict[str, Draft] = {}

    def draft(kind: str, defaults: dict[str, Any] | None = None) -> None:
        opts = {**plan.options_for(kind, options, defaults or {}), **signer}
        got = _try(session, caller, client.id, kind, body.proceeding_id, opts, now, gaps)
        if got is not None:
            drafts[kind] = got

    lead = plan.LEAD[situation]
    draft(lead[0])
    if body.exhibits and lead[0] in drafts:
        drafts[lead[0]] = exhibits.attach(session, caller.org_id, client.id, drafts[lead[0]], body.exhibits)
    first = next(iter(drafts.values()), None)
    court = first.context.venue.court_id if first is not None and first.context.venue is not None else ""
    profile: CourtProfile | None = court_profile(court) if court else None
    rules = plan.effective_profile(profile)
    if first is not None and first.context.removed and situation == plan.NEW_CASE:
        situation = plan.ABROAD
    memorandum = "separate" if plan.needs(rules, "separate_memorandum") else "combined"
    for kind in lead[1:]:
        draft(kind, {"proposed_order": "separate", "memorandum": memorandum} if kind == "tro_motion" else None)
    extra = plan.conditional_kinds(situation, rules)
    if "tro_memorandum" in extra:
        draft("tro_memorandum")
    if "sealed_identifiers" in extra:
        if client.a_number:
            rule = plan.rule_on(rules, "sealed_identifiers")
            draft("sealed_identifiers", {"a_number": display_a_number(client.a_number),
                                         "date_of_birth": client.date_of_birth,
                                         "rule_source": rule.source if rule else None})
        else:
            gaps.add("sealed_identifiers", ["client.a_number"], [])

    # Counsel's declaration, drafted from the custody history the other documents were built on.
    ctx = first.context if first is not None else None
    decl = plan.DeclarationInput(
        attorney_name=attorney.full_name if attorney is not None else "", office_address=getattr(
            attorney, "office_address", None), events=list(ctx.custody_events) if ctx is not None else [],
        alert=alert, notice_efforts=options.get("notice_efforts"), notice_to=options.get("notice_to"),
        timezone=ctx.timezone if ctx is not None and ctx.timezone else caller.org_timezone)
    draft("declaration", plan.declaration_defaults(decl, options.get("place_of_execution")))

    kinds = [k for k in plan.ORDER if k in drafts or k in (*lead, *extra, "declaration")]
    titles = [plan.SHORT_TITLES[k] for k in kinds if k in plan.SHORT_TITLES]
    district = get_district(court)
    served = options.get("served_parties") or (
        [f"Civil Division, United States Attorney's Office for the {district.name}"] if district else [])
    draft("certificate_of_service", {"document_title": "; ".join(titles), "served_parties": served})
    gaps.raise_if_any()

    if "sealed_identifiers" in drafts:
        drafts = {k: (d if k == "sealed_identifiers" else _sealed(d)) for k, d in drafts.items()}
    ordered = [(k, drafts[k]) for k in plan.ORDER if k in drafts]
    courts = {d.context.venue.court_id for _, d in ordered if d.context.venue is not None}
    if len(courts) > 1:  # one venue decision for every document; a difference is a bug, never a filing
        raise ProblemError(500, "internal_error", "The packet's documents disagree on the court.")
    warnings = _merge_warnings([w for _, d in ordered for w in d.warnings],
                               plan.profile_warnings(court, profile, list(drafts)))
    if "declaration" in drafts:
        warnings.append({"code": "declaration_review",
                         "message": "Counsel's declaration is drafted from the custody record and the alert; read "
                                    "every statement, correct or strike what you cannot swear to, then sign it."})
    if not options.get("place_of_execution"):
        warnings.append({"code": "place_of_execution_assumed",
                         "message": "The declaration says it is executed at the attorney's office address; "
                                    "set options.place_of_execution if counsel signs elsewhere."})
    return PacketPlan(client_id=client.id, proceeding_id=proc.id if proc is not None else None,
                      alert_id=alert.id if alert is not None else None, attorney_id=body.attorney_id,
                      situation=situation, court_id=court, drafts=ordered, warnings=warnings)


def _merge_warnings(*groups: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: set[tuple[str, str]] = set()
    out: list[dict[str, str]] = []
    for group in groups:
        for w in group:
            key = (w["code"], w["message"])
            if key not in seen:
                seen.add(key)
                out.append({"code": w["code"], "message": w["message"]})
    return out


# --- store ---------------------------------------------------------------------------------------

def chambers_copies(packet_plan: PacketPlan) -> dict[str, bytes]:
    """DOCX of each proposed order, from the same HTML its PDF was rendered from (before any write)."""
    from app.filings.render.pipeline import render_html

    return {kind: files.order_docx(render_html(kind, d.context), plan.title_of(kind, packet_plan.situation))
            for kind, d in packet_plan.drafts if kind in plan.DOCX_KINDS}


def store_packet(session: Session, actor: AuditActor, packet_plan: PacketPlan, results: list[RenderResult],
                 docx: dict[str, bytes]) -> EmergencyPacket:
    """Every filing, the packet, the DOCX copies and the audit events, in one transaction (committed)."""
    try:
        packet_id = uuid.uuid4()
        documents: list[dict[str, Any]] = []
        rows: list[PacketDocx] = []
        for (kind, d), result in zip(packet_plan.drafts, results, strict=True):
            filing = filings_service.store_draft(session, actor, packet_plan.client_id, kind, d, result)
            entry: dict[str, Any] = {"kind": kind, "filing_id": str(filing.id),
                                     "title": plan.title_of(kind, packet_plan.situation), "pages": result.pages}
            if kind in docx:
                entry["docx"] = filing.file_name.removesuffix(".pdf") + ".docx"
                rows.append(PacketDocx(filing_id=filing.id, packet_id=packet_id, organization_id=actor.org_id,
                                       file_name=entry["docx"], docx=docx[kind]))
            documents.append(entry)
        packet = EmergencyPacket(
            id=packet_id, organization_id=actor.org_id, client_id=packet_plan.client_id,
            proceeding_id=packet_plan.proceeding_id, alert_id=packet_plan.alert_id,
            attorney_id=packet_plan.attorney_id, court_id=packet_plan.court_id, situation=packet_plan.situation,
            documents=documents, warnings=packet_plan.warnings, created_by=actor.user_id, created_at=utcnow())
        session.add(packet)
        session.flush()
        for row in rows:
            session.add(row)
        audit.record(session, actor, "emergency_packet.create", "emergency_packet", packet.id,
                     {"client_id": str(packet.client_id), "situation": packet.situation, "court_id": packet.court_id,
                      "alert_id": str(packet.alert_id) if packet.alert_id else None,
                      "filing_ids": [d["filing_id"] for d in documents]})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return packet


# --- reads ---------------------------------------------------------------------------------------

def get_packet(session: Session, org_id: uuid.UUID, packet_id: uuid.UUID) -> EmergencyPacket:
    packet = session.get(EmergencyPacket, packet_id)
    if packet is None or packet.organization_id != org_id:
        raise not_found("packet_not_found", "No such emergency packet.")
    return packet


def _contents(session: Session, packet: EmergencyPacket) -> list[tuple[dict[str, Any], bytes, bytes | None]]:
    docx = {row.filing_id: row for row in session.exec(
        select(PacketDocx).where(col(PacketDocx.packet_id) == packet.id)).all()}
    out = []
    for entry in packet.documents:
        filing_id = uuid.UUID(entry["filing_id"])
        doc = session.get(FilingDocument, filing_id)
        if doc is None or doc.organization_id != packet.organization_id:
            raise not_found("packet_not_found", "No such emergency packet.")
        row = docx.get(filing_id)
        out.append((entry, doc.pdf, row.docx if row is not None else None))
    return out


def _exhibits_pdf(session: Session, packet: EmergencyPacket) -> bytes | None:
    """The lead document's exhibits as one PDF with a slip sheet and a bookmark each (None without any)."""
    for entry in packet.documents:
        filing = session.get(Filing, uuid.UUID(entry["filing_id"]))
        attached = (filing.input_snapshot.get("exhibits") or []) if filing is not None else []
        if attached:
            parts = documents_service.exhibit_parts(session, packet.organization_id, attached)
            return merge_with_slip_sheets(parts, slip_sheets=True)
    return None


def _audit_read(session: Session, actor: AuditActor, packet: EmergencyPacket, action: str) -> None:
    audit.record(session, actor, action, "emergency_packet", packet.id,
                 {"client_id": str(packet.client_id), "filing_ids": [d["filing_id"] for d in packet.documents]})
    session.commit()


def packet_zip(session: Session, actor: AuditActor, packet_id: uuid.UUID) -> tuple[bytes, str]:
    """Exactly the packet's PDFs, the proposed orders' DOCX and manifest.json; audited like reading each PDF."""
    packet = get_packet(session, actor.org_id, packet_id)
    parts: list[tuple[str, bytes]] = []
    manifest: dict[str, Any] = {"packet_id": str(packet.id), "court_id": packet.court_id,
                                "situation": packet.situation, "documents": []}
    for n, (entry, pdf, docx) in enumerate(_contents(session, packet), start=1):
        pdf_name = f"{n:02d}-{entry['kind']}.pdf"
        parts.append((pdf_name, pdf))
        item = {"position": n, "kind": entry["kind"], "title": entry["title"], "filing_id": entry["filing_id"],
                "pages": entry["pages"], "pdf": pdf_name}
        if docx is not None:
            item["docx"] = f"{n:02d}-{entry['kind']}.docx"
            parts.append((item["docx"], docx))
        manifest["documents"].append(item)
    exhibits_pdf = _exhibits_pdf(session, packet)
    if exhibits_pdf is not None:
        name = f"{len(manifest['documents']) + 1:02d}-exhibits.pdf"
        parts.append((name, exhibits_pdf))
        manifest["exhibits"] = name
    _audit_read(session, actor, packet, "emergency_packet.zip_read")
    return files.packet_zip(parts, manifest), f"emergency-packet-{packet.id.hex[:8]}.zip"


def review_pdf(session: Session, actor: AuditActor, packet_id: uuid.UUID) -> tuple[bytes, str]:
    """Every document merged in filing order, one bookmark per document, then the exhibits behind their slip
    sheets (bookmarked under "Exhibits"); audited."""
    packet = get_packet(session, actor.org_id, packet_id)
    parts = [(entry["title"], pdf) for entry, pdf, _ in _contents(session, packet)]
    exhibits_pdf = _exhibits_pdf(session, packet)
    if exhibits_pdf is not None:
        parts.append(("Exhibits", exhibits_pdf))
    merged = files.merge_pdfs(parts)
    _audit_read(session, actor, packet, "emergency_packet.review_read")
    return merged, f"emergency-packet-{packet.id.hex[:8]}-review.pdf"
