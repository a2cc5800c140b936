"""Stripe-shaped API errors: `{"error": {type, code, message, param, decline_code, ...}}`."""

from __future__ import annotations

from typing import Any

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """An error the sandbox answers with Stripe's error body and status code."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 400,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}

    def body(self, request_id: str | None = None) -> dict[str, Any]:
        err: dict[str, Any] = {"type": self.type, "message": self.message}
        for key in ("code", "param", "decline_code"):
            if getattr(self, key) is not None:
                err[key] = getattr(self, key)
        if self.code:
            err["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if request_id:
            err["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        err.update(self.extra)
        return {"error": err}


def invalid(message: str, param: str | None = None, code: str | None = None) -> StripeError:
    """400 invalid_request_error (`parameter_invalid_*` unless a code is given)."""
    return StripeError(message, param=param, code=code)


def unknown_param(param: str) -> StripeError:
    return StripeError(
        f"Received unknown parameter: {param}", param=param, code="parameter_unknown"
    )


def missing_param(param: str) -> StripeError:
    return StripeError(f"Missing required param: {param}.", param=param, code="parameter_missing")


def only_one_of(*params: str) -> StripeError:
    names = ", ".join(params)
    return StripeError(
        f"You may only specify one of these parameters: {names}.",
        param=params[-1],
        code="parameters_exclusive",
    )


def no_such(noun: str, obj_id: str, param: str | None = "id") -> StripeError:
    """404 for the object a URL names; 400 for one a parameter names (Stripe answers
    `customer=cus_nope` with 400 resource_missing, param `customer`)."""
    status = 404 if param == "id" else 400
    return StripeError(
        f"No such {noun}: '{obj_id}'", status=status, code="resource_missing", param=param
    )


def unrecognized_url(method: str, path: str) -> StripeError:
    return StripeError(
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs "
        "or we can help at https://support.stripe.com/.",
        status=404,
    )


def card_error(
    message: str, code: str, decline_code: str | None, extra: dict[str, Any]
) -> StripeError:
    return StripeError(
        message, status=402, type="card_error", code=code, decline_code=decline_code, extra=extra
    )


def idempotency_error(message: str) -> StripeError:
    return StripeError(message, type="idempotency_error")


def authentication_error(message: str) -> StripeError:
    return StripeError(message, status=401)
