"""Hosted checkout and link pages, driven with requests against the real server."""

from __future__ import annotations

import pytest
import requests

from tests.sandbox.conftest import pay


def _page(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=5)


def _submit(url: str, card: str, **extra: str) -> requests.Response:
    form = {"email": "payer@example.edu", "card_number": card, "exp": "12 / 34", "cvc": "123"}
    form.update(extra)
    return requests.post(url, data=form, allow_redirects=False, timeout=5)


def test_page_shows_amount_items_merchant_and_test_marker(new_session):
    s = new_session(
        line_items=[
            {
                "price_data": {
                    "currency": "inr",
                    "unit_amount": 123456,
                    "product_data": {"name": "Tuition <Sem 1>"},
                },
                "quantity": 1,
            },
            {
                "price_data": {
                    "currency": "inr",
                    "unit_amount": 5000,
                    "product_data": {"name": "Library"},
                },
                "quantity": 2,
            },
        ]
    )
    page = _page(s.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "₹1,334.56" in text and "Tuition &lt;Sem 1&gt;" in text and "Library" in text
    assert "TEST SANDBOX" in text and "Fee Kiosk" in text
    assert 'name="viewport"' in text
    for field in ("email", "card_number", "exp", "cvc"):
        assert f'name="{field}"' in text


def test_amount_follows_locale(new_session):
    s = new_session(
        locale="de",
        line_items=[
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 123456,
                    "product_data": {"name": "Gebühr"},
                },
                "quantity": 1,
            }
        ],
    )
    assert "1.234,56\xa0€" in _page(s.url).text
    jp = new_session(
        line_items=[
            {
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": 5000,
                    "product_data": {"name": "Fee"},
                },
                "quantity": 1,
            }
        ]
    )
    assert "5,000" in _page(jp.url, **{"Accept-Language": "en-US"}).text


def test_paying_on_page_redirects_to_success_url(stripe_client, new_session):
    s = new_session()
    resp = _submit(s.url, "4242 4242 4242 4242")
    assert resp.status_code == 303
    assert resp.headers["location"] == f"https://kiosk.example/paid?session={s.id}"
    done = stripe_client.v1.checkout.sessions.retrieve(s.id)
    assert (done.status, done.payment_status) == ("complete", "paid")
    assert done.customer_details.email == "payer@example.edu"
    assert "Payment complete" in _page(s.url).text


def test_decline_on_page_shows_error_and_keeps_session_open(stripe_client, new_session):
    s = new_session()
    resp = _submit(s.url, "4000 0000 0000 9995")
    assert resp.status_code == 402 and "insufficient funds" in resp.text
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "open"
    failed = stripe_client.v1.events.list({"type": "payment_intent.payment_failed", "limit": 1})
    assert failed.data[0].data.object.last_payment_error.decline_code == "insufficient_funds"


def test_incomplete_form_is_rejected_without_charging(stripe_client, new_session):
    s = new_session()
    resp = _submit(s.url, "4242424242424242", exp="")
    assert resp.status_code == 402 and "expiration date is incomplete" in resp.text
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "open"


def test_expired_session_page_says_so_and_cannot_be_paid(stripe_client, new_session):
    s = new_session()
    stripe_client.v1.checkout.sessions.expire(s.id)
    assert "has expired" in _page(s.url).text
    resp = _submit(s.url, "4242424242424242")
    assert resp.status_code == 200 and "has expired" in resp.text
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "expired"


def test_unknown_session_page_is_404(sandbox):
    resp = _page(f"{sandbox.public_url}/checkout/cs_test_nope")
    assert resp.status_code == 404 and "not valid" in resp.text


def test_link_redirects_to_new_session_page(stripe_client):
    price = stripe_client.v1.prices.create(
        {"currency": "usd", "unit_amount": 2000, "product_data": {"name": "Transcript"}}
    )
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 1}],
            "after_completion": {
                "type": "hosted_confirmation",
                "hosted_confirmation": {"custom_message": "Thanks, collect at desk 3"},
            },
        }
    )
    resp = requests.get(link.url, timeout=5)  # follows the 303
    assert resp.status_code == 200 and "$20.00" in resp.text and "Transcript" in resp.text
    sid = resp.url.rsplit("/", 1)[1]
    pay(stripe_client, sid)
    assert "Thanks, collect at desk 3" in _page(resp.url).text


def test_public_url_is_used_for_page_links():
    from kiosk.sandbox import start_sandbox
    from tests.sandbox.conftest import make_client

    with start_sandbox(public_url="http://192.168.1.20:12111") as sb:
        client = make_client(sb.url)
        s = client.v1.checkout.sessions.create(
            {
                "mode": "payment",
                "line_items": [
                    {
                        "price_data": {
                            "currency": "inr",
                            "unit_amount": 5000,
                            "product_data": {"name": "Fee"},
                        },
                        "quantity": 1,
                    }
                ],
            }
        )
        assert s.url == f"http://192.168.1.20:12111/checkout/{s.id}"
        assert sb.public_url == "http://192.168.1.20:12111"
        assert requests.get(f"{sb.url}/checkout/{s.id}", timeout=5).status_code == 200


def test_link_with_redirect_after_completion(stripe_client):
    price = stripe_client.v1.prices.create(
        {"currency": "inr", "unit_amount": 9900, "product_data": {"name": "ID card"}}
    )
    link = stripe_client.v1.payment_links.create(
        {
            "line_items": [{"price": price.id, "quantity": 1}],
            "after_completion": {
                "type": "redirect",
                "redirect": {"url": "https://kiosk.example/thanks?cs={CHECKOUT_SESSION_ID}"},
            },
        }
    )
    page = requests.get(link.url, timeout=5)
    resp = _submit(page.url, "4242424242424242")
    sid = page.url.rsplit("/", 1)[1]
    assert resp.status_code == 303
    assert resp.headers["location"] == f"https://kiosk.example/thanks?cs={sid}"


def test_oversized_or_odd_forms_never_charge(stripe_client, new_session):
    s = new_session()
    big = requests.post(
        s.url,
        data={"card_number": "4242424242424242", "pad": "x" * 100_000},
        allow_redirects=False,
        timeout=5,
    )
    odd = requests.post(
        s.url,
        data=b"card_number[a]=4242&exp=12%2F34&cvc=123",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        allow_redirects=False,
        timeout=5,
    )
    assert big.status_code == 402 and odd.status_code == 402
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "open"


def test_inr_uses_indian_grouping_by_default(new_session):
    s = new_session(
        line_items=[
            {
                "price_data": {
                    "currency": "inr",
                    "unit_amount": 10_000_000,
                    "product_data": {"name": "Annual fee"},
                },
                "quantity": 1,
            }
        ]
    )
    assert "₹1,00,000.00" in _page(s.url).text
    assert "₹100,000.00" in _page(s.url, **{"Accept-Language": "en-US,en;q=0.8"}).text


@pytest.mark.parametrize(
    "exp, message",
    [
        ("", "expiration date is incomplete"),
        ("1", "expiration date is incomplete"),
        ("13 / 30", "expiration date is invalid"),
        ("01 / 20", "expiration year is in the past"),
    ],
)
def test_expiry_is_checked_on_the_page(stripe_client, new_session, exp, message):
    s = new_session()
    resp = _submit(s.url, "4242424242424242", exp=exp)
    assert resp.status_code == 402 and message in resp.text
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "open"


@pytest.mark.parametrize("exp", ["12/34", "1 / 2099", "0934"])
def test_expiry_formats_accepted(new_session, exp):
    assert _submit(new_session().url, "4242424242424242", exp=exp).status_code == 303


@pytest.mark.parametrize(
    "language",
    [
        "*",
        "zz",
        "en-ZZ",
        "zh-Hant-TW",
        "x" * 300,
        "de;q=abc",
        "hi-IN,en;q=0.5",
        "ar",
        "",
        ",,,",
        "en_US.UTF-8",
    ],
)
def test_any_accept_language_renders(new_session, language):
    page = _page(new_session().url, **{"Accept-Language": language})
    assert page.status_code == 200 and "TEST SANDBOX" in page.text


def test_every_session_locale_renders(new_session):
    from kiosk.sandbox.routes.checkout import LOCALES

    for locale in LOCALES:
        page = _page(new_session(locale=locale).url)
        assert page.status_code == 200 and "TEST SANDBOX" in page.text, locale


def test_invalid_email_on_page(stripe_client, new_session):
    s = new_session()
    resp = _submit(s.url, "4242424242424242", email="nobody")
    assert resp.status_code == 402 and "email address is invalid" in resp.text
    assert stripe_client.v1.checkout.sessions.retrieve(s.id).status == "open"


def test_receipt_url_serves_a_receipt(stripe_client, new_session):
    done = pay(stripe_client, new_session().id)
    pi = stripe_client.v1.payment_intents.retrieve(
        done.payment_intent, {"expand": ["latest_charge"]}
    )
    charge = pi.latest_charge
    stripe_client.v1.refunds.create({"payment_intent": pi.id, "amount": 10000})
    page = _page(charge.receipt_url)
    assert page.status_code == 200
    assert "₹500.00" in page.text and "visa" in page.text and "4242" in page.text
    assert "Refunded: ₹100.00" in page.text


def test_page_says_whom_it_is_for_and_prefills_the_customers_email(new_session, stripe_client):
    """The product description (our student and invoice) shows under the item, as on
    Checkout; a session made for a Customer prefills that Customer's email."""
    customer = stripe_client.v1.customers.create({"email": "kavya@example.edu", "name": "Kavya"})
    s = new_session(
        customer=customer.id,
        line_items=[
            {
                "price_data": {
                    "currency": "inr",
                    "unit_amount": 50000,
                    "product_data": {
                        "name": "Invoice INV-2026-0001: Tuition",
                        "description": "Kavya Rao (S1001), fees for invoice INV-2026-0001",
                    },
                },
                "quantity": 1,
            }
        ],
    )
    text = _page(s.url).text
    assert "Invoice INV-2026-0001: Tuition" in text
    assert "Kavya Rao (S1001), fees for invoice INV-2026-0001" in text
    assert 'value="kavya@example.edu"' in text
