"""What a notification says: the webhook body and the e-mail (plain text and HTML) in English or Spanish.

Composed from the intent's ids and kinds only. The subject line never carries an A-number, a privileged note,
a name or a location — only the kind of event and its severity; the body links into the system
(``PUBLIC_BASE_URL``) where access control decides what the reader may see. A liaison's custody update says
only the plain status label the client consented to share (the ``custody_status`` scope) and links to the
family page.
"""

from __future__ import annotations

import html
import json
from typing import Any

from app.core.mail import Mail
from app.notifications.models import NotificationIntent

_SUBJECTS: dict[str, tuple[str, str]] = {
    "alert.raised": ("{sev} alert: {kind}", "Alerta {sev_es}: {kind}"),
    "alert.escalated": ("ESCALATED {sev} alert, not yet acknowledged: {kind}",
                        "Alerta {sev_es} ESCALADA, aún sin confirmar: {kind}"),
    "webhook_endpoint.failing": ("A webhook endpoint is failing", "Un webhook está fallando"),
    "custody_event.family_update": ("An update about your family member's case",
                                    "Novedades sobre el caso de su familiar"),
}
_SEV_ES = {"critical": "crítica", "high": "alta", "normal": "normal", "low": "baja"}
_INTRO: dict[str, tuple[str, str]] = {
    "alert.raised": ("An alert was raised and needs a person to look at it now.",
                     "Se levantó una alerta que necesita la atención de una persona ahora."),
    "webhook_endpoint.failing": ("Deliveries to a webhook endpoint keep failing. It has not been disabled: "
                                 "it is retried on schedule. Please check the receiver.",
                                 "Las entregas a un webhook siguen fallando. No se desactivó: se reintenta "
                                 "según el calendario. Revise el receptor."),
    "custody_event.family_update": ("There is news about your family member.",
                                    "Hay novedades sobre su familiar."),
}


def webhook_body(delivery_id: str, intent: NotificationIntent) -> bytes:
    """The JSON body (Standard Webhooks' ``type``/``timestamp``/``data`` shape): ids and kinds only."""
    data: dict[str, Any] = {"id": str(intent.subject_id), "subject_type": intent.subject_type,
                            "organization_id": str(intent.organization_id)}
    if intent.severity:
        data["severity"] = intent.severity
    if intent.client_id:
        data["client_id"] = str(intent.client_id)
    data.update({k: v for k, v in (intent.payload or {}).items() if k not in data})
    body = {"type": intent.event, "timestamp": intent.created_at.isoformat(), "data": data}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _link(base: str, intent: NotificationIntent) -> str:
    base = base.rstrip("/")
    if intent.subject_type == "alert":
        return f"{base}/api/v1/alerts/{intent.subject_id}"
    if intent.subject_type == "webhook_endpoint":
        return f"{base}/api/v1/webhook-endpoints"
    if intent.event == "custody_event.family_update" and intent.client_id:
        return f"{base}/api/v1/portal/clients/{intent.client_id}"
    return f"{base}/api/v1/notifications"


def email(intent: NotificationIntent, *, to: str, lang: str, base_url: str, escalated: bool) -> Mail:
    es = lang == "es"
    event = "alert.escalated" if escalated and intent.event == "alert.raised" else intent.event
    kind = str((intent.payload or {}).get("kind") or intent.event)
    sev = intent.severity or "normal"
    pair = _SUBJECTS.get(event, ("Notification: {kind}", "Notificación: {kind}"))
    subject = "[Due Process] " + pair[1 if es else 0].format(sev=sev.capitalize(), sev_es=_SEV_ES.get(sev, sev),
                                                             kind=kind.replace("_", " "))
    intro = _INTRO.get(intent.event, ("Something happened that you asked to hear about.",
                                      "Ocurrió algo sobre lo que pidió ser avisado."))[1 if es else 0]
    lines = [intro, ""]
    if intent.event == "custody_event.family_update":
        label = (intent.payload or {}).get("status_label", {}).get("es" if es else "en")
        if label:
            lines.append(("Situación: " if es else "Status: ") + str(label))
    else:
        lines.append(("Tipo: " if es else "Kind: ") + kind)
        lines.append(("Gravedad: " if es else "Severity: ") + (_SEV_ES.get(sev, sev) if es else sev))
    link = _link(base_url, intent)
    lines += ["", ("Abrir: " if es else "Open: ") + link]
    if intent.event == "alert.raised":
        lines.append("Confirme la alerta para detener la escalada." if es
                     else "Acknowledge the alert to stop the escalation.")
    text = "\n".join(lines) + "\n"
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines if line and not line.startswith(("Open", "Abrir")))
    page = (f'<!doctype html><html lang="{"es" if es else "en"}"><body>{body}'
            f'<p><a href="{html.escape(link, quote=True)}">{"Abrir" if es else "Open"}</a></p></body></html>')
    return Mail(to=to, subject=subject, text=text, html=page)
