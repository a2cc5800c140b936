"""The hosted page's UPI parts: the VPA form beside the card form, and the wait for the
payer to approve in their UPI app (with a countdown to the session's expiry)."""

from __future__ import annotations

import html
from typing import Any

from kiosk.sandbox import upi
from kiosk.sandbox.engine import Sandbox
from kiosk.sandbox.store import Obj

FORM = """
<form method="post" action="{action}" class="upi" autocomplete="on">
  <h2>Pay with UPI</h2>
  <input type="hidden" name="method" value="upi">
  <input type="hidden" name="email" value="{email}">
  <label for="vpa">UPI ID (VPA)</label>
  <input id="vpa" name="vpa" placeholder="name@bank" value="{vpa}" autocapitalize="none" required>
  <button type="submit">Verify and pay</button>
  <p class="hint">Test UPI IDs: <code>{success}</code> succeeds; <code>{failure}</code> fails;
  <code>{pending}</code> waits for approval.</p>
</form>
"""
WAIT = """
<div class="upi-wait" data-state="upi_pending" data-expires-at="{expires_at}">
  <p>Open your UPI app and approve the payment request sent to <b>{vpa}</b>.</p>
  <p class="countdown">Time left: <span id="countdown">{left}</span></p>
</div>
<script>
(function () {{
  var end = {expires_at} * 1000, el = document.getElementById("countdown");
  function tick() {{
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    el.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }}
  tick(); setInterval(tick, 1000); setTimeout(function () {{ location.reload(); }}, 3000);
}})();
</script>
"""


def form_html(session: Obj, action: str, form: dict[str, Any]) -> str:
    """The UPI choice for `session` ("" when the session does not offer UPI)."""
    if "upi" not in session["payment_method_types"]:
        return ""
    return FORM.format(
        action=_e(action),
        email=_e(form.get("email") or session["customer_email"] or ""),
        vpa=_e(form.get("vpa", "")),
        success=upi.SUCCESS_VPA,
        failure=upi.FAILURE_VPA,
        pending=upi.PENDING_VPA,
    )


def waiting(sb: Sandbox, session: Obj) -> str | None:
    """The approval wait's HTML if a UPI payment on `session` awaits approval."""
    pi = upi.pending_intent(sb, session)
    if pi is None:
        return None
    vpa = sb.store.objects[pi["payment_method"]]["upi"]["vpa"]
    left = max(0, session["expires_at"] - sb.now())
    return WAIT.format(
        expires_at=int(session["expires_at"]),
        vpa=_e(vpa),
        left=f"{left // 60}:{left % 60:02d}",
    )


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)
