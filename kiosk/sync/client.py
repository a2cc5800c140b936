"""HTTP client for the relay's `GET /v1/events` long-poll."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import requests

from kiosk.payments.stripe_shapes import Event


class RelayError(RuntimeError):
    """The relay could not be used. The message is safe to show (never the token)."""


class RelayUnavailable(RelayError):
    pass


class RelayAuthError(RelayError):
    pass


@dataclass(frozen=True)
class RelayEvent:
    cursor: int
    id: str
    type: str
    received_at: str
    payload: Event  # a Stripe event, as the relay stored it


class RelayClient:
    def __init__(self, url: str, token: str, *, connect_timeout: float = 5.0) -> None:
        if not url:
            raise RelayError("no relay URL is configured (relay.url or FEE_KIOSK_RELAY_URL)")
        if not token:
            raise RelayError("no relay token is configured (keyring or FEE_KIOSK_RELAY_TOKEN)")
        self.url = url.rstrip("/")
        self._token = token
        self._connect_timeout = connect_timeout
        self._http = requests.Session()

    def fetch(
        self, after: int, *, limit: int = 100, wait: float = 25.0, types: list[str] | None = None
    ) -> tuple[list[RelayEvent], int]:
        params: dict[str, Any] = {"after": after, "limit": limit, "wait": int(wait)}
        if types:
            params["types"] = ",".join(types)
        try:
            resp = self._http.get(
                f"{self.url}/v1/events",
                params=params,
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=(self._connect_timeout, wait + 10),
            )
        except requests.RequestException as exc:
            raise RelayUnavailable(
                f"the relay at {self.url} is unreachable ({type(exc).__name__})"
            ) from None
        if resp.status_code == 401:
            raise RelayAuthError("the relay refused this desk's token (unknown or revoked)")
        if resp.status_code != 200:
            raise RelayUnavailable(f"the relay answered HTTP {resp.status_code}")
        try:
            body = resp.json()
            events = [
                RelayEvent(
                    int(e["cursor"]),
                    str(e["id"]),
                    str(e["type"]),
                    str(e.get("received_at", "")),
                    cast(Event, dict(e["payload"])),
                )
                for e in body["events"]
            ]
            return events, int(body["cursor"])
        except (ValueError, KeyError, TypeError):
            raise RelayUnavailable("the relay sent a malformed answer") from None

    def report_receipt(self, session_id: str, receipt: str) -> bool:
        """Tell the relay the receipt issued for a paid Checkout Session (for the payer's
        confirmation page); False when the relay doesn't know the session."""
        resp = self._http.post(
            f"{self.url}/v1/receipts",
            json={"session": session_id, "receipt": receipt},
            headers={"Authorization": f"Bearer {self._token}"},
            timeout=(self._connect_timeout, 10),
        )
        return resp.status_code == 204

    def close(self) -> None:
        self._http.close()
