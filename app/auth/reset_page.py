"""The page a reset link opens: a self-contained form (English and Spanish) that posts the token from the
link's fragment to ``POST /auth/password-reset/confirm``.

The API has no web front end, so without this page a reset link would lead nowhere. The page holds no secret and
no personal data; the token stays in the fragment (never sent to the server with the page request, never in
access logs) and is removed from the address bar at once. Its Content-Security-Policy allows only this inline
script and style (by hash) and requests to this origin.
"""

from __future__ import annotations

import base64
import hashlib

SCRIPT = """
(function () {
  var token = new URLSearchParams(location.hash.slice(1)).get("token") || "";
  history.replaceState(null, "", location.pathname);
  var form = document.getElementById("f"), out = document.getElementById("out");
  function say(text, ok) { out.textContent = text; out.className = ok ? "ok" : "err"; }
  if (!token) { say("This link is incomplete. / Este enlace está incompleto.", false); form.hidden = true; }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var p1 = document.getElementById("p1").value, p2 = document.getElementById("p2").value;
    if (p1 !== p2) { say("The two passwords differ. / Las dos contraseñas no coinciden.", false); return; }
    fetch("password-reset/confirm", {method: "POST", headers: {"Content-Type": "application/json"},
                                     body: JSON.stringify({token: token, password: p1})})
      .then(function (r) {
        if (r.status === 204) {
          form.hidden = true;
          say("Your password is changed; sign in with it. / Su contraseña cambió; inicie sesión con ella.", true);
          return;
        }
        return r.json().then(function (b) {
          if (b.code === "validation_error") {
            say("Use at least 12 characters. / Use al menos 12 caracteres.", false);
          } else { say(b.detail || "Error", false); }
        });
      })
      .catch(function () {
        say("No answer from the server; try again. / El servidor no responde; inténtelo otra vez.", false);
      });
  });
})();
"""

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #222; }
label { display: block; margin-top: 1rem; }
input { width: 100%; padding: .5rem; font-size: 1rem; box-sizing: border-box; }
button { margin-top: 1.25rem; padding: .6rem 1.2rem; font-size: 1rem; }
.ok { color: #14532d; } .err { color: #991b1b; }
"""

PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Due Process — new password / contraseña nueva</title>
<style>{STYLE}</style></head>
<body>
<h1>New password <small>/ Contraseña nueva</small></h1>
<form id="f" autocomplete="off">
<label for="p1">New password (12 characters or more) / Contraseña nueva (12 caracteres o más)</label>
<input id="p1" type="password" minlength="12" maxlength="256" required autocomplete="new-password">
<label for="p2">Repeat it / Repítala</label>
<input id="p2" type="password" minlength="12" maxlength="256" required autocomplete="new-password">
<button type="submit">Save / Guardar</button>
</form>
<p id="out" role="status"></p>
<script>{SCRIPT}</script>
</body></html>
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


CSP = (f"default-src 'none'; script-src {_sha256(SCRIPT)}; style-src {_sha256(STYLE)}; connect-src 'self'; "
       "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
