"""Every word of the family page, in English and Spanish (data only; ``say`` picks one).

Plain words, short sentences, usted in Spanish. Errors are here too: a family never sees a code or an English-only
message. Translations must be reviewed by a person before production use (as the portal's labels).
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["en", "es"]

TEXTS: dict[str, tuple[str, str]] = {
    "site_name": ("Family page", "Página para familias"),
    "skip": ("Skip to content", "Saltar al contenido"),
    "switch_to": ("Español", "English"),
    "switch_label": ("Ver en español", "View in English"),
    "logout": ("Sign out", "Cerrar sesión"),
    "email": ("E-mail", "Correo electrónico"),
    "password": ("Password", "Contraseña"),
    "new_password": ("New password (12 characters or more)", "Contraseña nueva (12 caracteres o más)"),
    "repeat_password": ("Repeat the password", "Repita la contraseña"),
    "login_title": ("Sign in", "Iniciar sesión"),
    "login_button": ("Sign in", "Entrar"),
    "forgot": ("Forgot your password?", "¿Olvidó su contraseña?"),
    "bad_login": ("The e-mail or the password is not right. Try again.",
                  "El correo o la contraseña no son correctos. Inténtelo otra vez."),
    "staff_here": ("This page is for families. The legal team signs in to its own application.",
                   "Esta página es para familias. El equipo legal entra en su propia aplicación."),
    "throttled": ("Too many tries. Wait {wait} and try again, or choose a new password.",
                  "Demasiados intentos. Espere {wait} e inténtelo otra vez, o elija una contraseña nueva."),
    "minutes": ("{n} minutes", "{n} minutos"),
    "seconds": ("{n} seconds", "{n} segundos"),
    "reset_link": ("Choose a new password", "Elegir una contraseña nueva"),
    "invite_title": ("Welcome", "Bienvenida"),
    "invite_intro": ("The legal team invited you to follow a case. Choose a password to start.",
                     "El equipo legal le invitó a seguir un caso. Elija una contraseña para empezar."),
    "invite_button": ("Save and continue", "Guardar y continuar"),
    "invitation_not_found": ("This invitation link is not valid. Ask the legal team for a new one.",
                             "Este enlace de invitación no es válido. Pida uno nuevo al equipo legal."),
    "invitation_used": ("This invitation was already used. Sign in with your password.",
                        "Esta invitación ya se usó. Inicie sesión con su contraseña."),
    "invitation_revoked": ("This invitation was withdrawn. Contact the legal team.",
                           "Esta invitación fue retirada. Comuníquese con el equipo legal."),
    "invitation_expired": ("This invitation has expired. Ask the legal team for a new one.",
                           "Esta invitación venció. Pida una nueva al equipo legal."),
    "passwords_differ": ("The two passwords are different.", "Las dos contraseñas no son iguales."),
    "password_short": ("Use at least 12 characters.", "Use al menos 12 caracteres."),
    "clients_title": ("The people you follow", "Las personas que usted sigue"),
    "no_clients": ("There is nobody to show right now. If this is a mistake, contact the legal team.",
                   "No hay nadie que mostrar ahora. Si es un error, comuníquese con el equipo legal."),
    "status": ("Status", "Situación"),
    "no_status": ("The legal team has not shared any news yet.", "El equipo legal aún no ha compartido noticias."),
    "where": ("Where", "Dónde"),
    "unknown_place": ("We do not know the place yet.", "Todavía no sabemos el lugar."),
    "visiting": ("Visits", "Visitas"),
    "phone": ("Phone", "Teléfono"),
    "how_sure": ("How sure we are", "Qué tan seguros estamos"),
    "hearing": ("Next hearing", "Próxima audiencia"),
    "filing": ("Court papers", "Documentos de la corte"),
    "contact": ("Contact", "Contacto"),
    "no_contact": ("Contact the organization that invited you.", "Comuníquese con la organización que le invitó."),
    "report_link": ("Tell the legal team something new", "Contar algo nuevo al equipo legal"),
    "back": ("Back to the list", "Volver a la lista"),
    "back_short": ("Back", "Volver"),
    "no_access": ("You no longer have access to this information. If you think this is a mistake, contact the "
                  "legal team.",
                  "Usted ya no tiene acceso a esta información. Si cree que es un error, comuníquese con el "
                  "equipo legal."),
    "report_title": ("Tell the legal team something new", "Contar algo nuevo al equipo legal"),
    "report_intro": ("What you tell us goes to the legal team at once. They will check it before it appears here.",
                     "Lo que nos cuente llega al equipo legal enseguida. Lo van a comprobar antes de que aparezca "
                     "aquí."),
    "report_what": ("What happened?", "¿Qué pasó?"),
    "what_arrested": ("He or she was arrested", "Lo o la arrestaron"),
    "what_moved": ("He or she is being moved (for example, called from a plane or a bus)",
                   "Lo o la están trasladando (por ejemplo, llamó desde un avión o un autobús)"),
    "what_detained_at": ("He or she is held at a place I know", "Está detenido o detenida en un lugar que conozco"),
    "what_released": ("He or she was released", "Lo o la liberaron"),
    "report_when": ("When? (leave empty for today)", "¿Cuándo? (déjelo vacío si fue hoy)"),
    "report_place": ("Where? (the place, city or airport, if you know it)",
                     "¿Dónde? (el lugar, la ciudad o el aeropuerto, si lo sabe)"),
    "report_country": ("If he or she is being sent to another country, which one?",
                       "Si lo o la están enviando a otro país, ¿a cuál?"),
    "country_unknown": ("I do not know / no other country", "No sé / ningún otro país"),
    "report_bad_country": ("Choose the country from the list, and only for a transfer.",
                           "Elija el país de la lista, y solo para un traslado."),
    "report_details": ("Anything else the team should know", "Algo más que el equipo deba saber"),
    "report_button": ("Send to the legal team", "Enviar al equipo legal"),
    "report_sent": ("Thank you. The legal team has your news and will check it.",
                    "Gracias. El equipo legal recibió su noticia y la va a comprobar."),
    "report_not_allowed": ("This page does not let you send news about this person. Call the legal team instead.",
                           "Esta página no le permite enviar noticias sobre esta persona. Llame al equipo legal."),
    "report_need_what": ("Choose what happened.", "Elija qué pasó."),
    "report_need_place": ("Write the place.", "Escriba el lugar."),
    "report_bad_date": ("Check the date: it cannot be in the future.",
                        "Revise la fecha: no puede ser en el futuro."),
    "report_rejected": ("We could not record this. Check what you wrote and try again, or call the legal team.",
                        "No pudimos guardar esto. Revise lo que escribió e inténtelo otra vez, o llame al equipo "
                        "legal."),
    "too_long": ("The text is too long.", "El texto es demasiado largo."),
    "reset_title": ("Choose a new password", "Elegir una contraseña nueva"),
    "reset_intro": ("Write your e-mail. If it belongs to an account, we send you a link to choose a new password.",
                    "Escriba su correo. Si pertenece a una cuenta, le enviamos un enlace para elegir una contraseña "
                    "nueva."),
    "reset_button": ("Send the link", "Enviar el enlace"),
    "reset_sent": ("If the address belongs to an account, a message is on its way. No message? Ask the legal team "
                   "for a link.",
                   "Si el correo pertenece a una cuenta, el mensaje va en camino. ¿No llega? Pida un enlace al "
                   "equipo legal."),
    "reset_confirm_button": ("Save the new password", "Guardar la contraseña nueva"),
    "reset_done": ("Your password is changed. Sign in with it.", "Su contraseña cambió. Inicie sesión con ella."),
    "reset_invalid": ("This link is not valid, was already used or has expired. Ask for a new one.",
                      "Este enlace no es válido, ya se usó o venció. Pida uno nuevo."),
    "csrf": ("This form is too old or was not sent from this page. Go back, reload the page and try again.",
             "Este formulario es demasiado antiguo o no se envió desde esta página. Vuelva, recargue la página e "
             "inténtelo otra vez."),
    "signed_out": ("You have signed out.", "Usted cerró la sesión."),
    "slow_down": ("Too many pages were opened in a short time. Wait {wait} and open the page again.",
                  "Se abrieron demasiadas páginas en poco tiempo. Espere {wait} y vuelva a abrir la página."),
    "session_ended": ("Your session ended. Sign in again.", "Su sesión terminó. Inicie sesión otra vez."),
    "not_found": ("This page does not exist.", "Esta página no existe."),
    "error": ("Something went wrong on our side. Try again in a moment.",
              "Algo falló de nuestro lado. Inténtelo otra vez en un momento."),
    "go_login": ("Go to sign in", "Ir a iniciar sesión"),
    "confidence_confirmed": ("Confirmed by the legal team or an official source",
                             "Confirmado por el equipo legal o una fuente oficial"),
    "confidence_reported": ("Reported, not yet confirmed", "Informado, todavía sin confirmar"),
    "confidence_inferred": ("Our best estimate", "Nuestra mejor estimación"),
}


def say(key: str, lang: str, **values: object) -> str:
    """The text of ``key`` in ``lang`` (English for anything but "es"), placeholders filled."""
    en, es = TEXTS[key]
    text = es if lang == "es" else en
    return text.format(**values) if values else text


def wait_text(seconds: int, lang: str) -> str:
    if seconds >= 120:
        return say("minutes", lang, n=(seconds + 59) // 60)
    return say("seconds", lang, n=max(1, seconds))
