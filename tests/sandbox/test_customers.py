"""Customers: create, retrieve, update, list by email (case-sensitive), metadata rules."""

from __future__ import annotations

import uuid

import pytest
import stripe


def test_create_retrieve_update(stripe_client):
    cus = stripe_client.v1.customers.create(
        {"email": "asha@example.edu", "name": "Asha", "metadata": {"roll": "42", "hostel": "B"}}
    )
    assert cus.id.startswith("cus_") and cus.object == "customer"
    assert cus.livemode is False and cus.metadata.to_dict() == {"roll": "42", "hostel": "B"}
    got = stripe_client.v1.customers.retrieve(cus.id)
    assert got.email == "asha@example.edu"
    updated = stripe_client.v1.customers.update(
        cus.id, {"name": "Asha K", "metadata": {"hostel": ""}}
    )
    assert updated.name == "Asha K"
    assert updated.metadata.to_dict() == {"roll": "42"}


def test_update_records_previous_attributes(stripe_client):
    cus = stripe_client.v1.customers.create({"name": "Before"})
    stripe_client.v1.customers.update(cus.id, {"name": "After"})
    events = stripe_client.v1.events.list({"type": "customer.updated", "limit": 5})
    event = next(e for e in events.data if e.data.object.id == cus.id)
    assert event.data.previous_attributes.to_dict() == {"name": "Before"}
    assert event.data.object.name == "After"


def test_list_filters_by_email_case_sensitively(stripe_client):
    email = f"{uuid.uuid4().hex[:8]}@Example.edu"
    a = stripe_client.v1.customers.create({"email": email})
    b = stripe_client.v1.customers.create({"email": email})
    stripe_client.v1.customers.create({"email": email.lower()})
    found = stripe_client.v1.customers.list({"email": email})
    assert [c.id for c in found.data] == [b.id, a.id]


def test_empty_metadata_clears_all(stripe_client):
    cus = stripe_client.v1.customers.create({"metadata": {"a": "1", "b": "2"}})
    cleared = stripe_client.v1.customers.update(cus.id, {"metadata": ""})  # type: ignore
    assert cleared.metadata.to_dict() == {}


@pytest.mark.parametrize(
    "metadata, fragment",
    [
        ({f"k{i}": "v" for i in range(51)}, "at most 50 keys"),
        ({"k" * 41: "v"}, "at most 40 characters"),
        ({"k": "v" * 501}, "at most 500 characters"),
        ({"a[b]": "v"}, "Invalid parameter name"),
    ],
)
def test_metadata_limits(stripe_client, metadata, fragment):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create({"metadata": metadata})
    assert fragment in exc.value.user_message
    assert exc.value.param.startswith("metadata")


def test_delete(stripe_client):
    cus = stripe_client.v1.customers.create({"email": "gone@example.edu"})
    deleted = stripe_client.v1.customers.delete(cus.id)
    assert deleted.deleted is True and deleted.id == cus.id
    assert stripe_client.v1.customers.retrieve(cus.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.update(cus.id, {"name": "x"})
    assert cus.id not in [c.id for c in stripe_client.v1.customers.list({"limit": 100}).data]


def test_search(fresh_client):
    a = fresh_client.v1.customers.create(
        {"email": "meera@uni.edu", "name": "Meera Iyer", "metadata": {"roll": "17"}}
    )
    b = fresh_client.v1.customers.create({"email": "ravi@uni.edu", "name": "Ravi Iyer"})
    fresh_client.v1.customers.create({"email": "zoe@other.org", "name": "Zoe"})
    exact = fresh_client.v1.customers.search({"query": "email:'meera@uni.edu'"})
    assert exact.object == "search_result" and [c.id for c in exact.data] == [a.id]
    both = fresh_client.v1.customers.search({"query": "name~'iyer'"})
    assert [c.id for c in both.data] == [b.id, a.id]
    meta = fresh_client.v1.customers.search({"query": "metadata['roll']:'17' AND name~'meera'"})
    assert [c.id for c in meta.data] == [a.id]
    paged = fresh_client.v1.customers.search({"query": "name~'iyer'", "limit": 1})
    assert paged.has_more and paged.next_page
    walked = [c.id for c in paged.auto_paging_iter()]
    assert walked == [b.id, a.id]


@pytest.mark.parametrize(
    "query", ["email=meera", "colour:'red'", "name:'a' AND name:'b' OR name:'c'"]
)
def test_search_rejects_bad_queries(stripe_client, query):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.search({"query": query})
    assert exc.value.param == "query"


@pytest.mark.parametrize("email", ["not-an-email", "a b@c.d", "a@b"])
def test_invalid_emails_are_refused(stripe_client, new_session, email):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create({"email": email})
    assert exc.value.param == "email" and "Invalid email address" in exc.value.user_message
    with pytest.raises(stripe.InvalidRequestError) as exc:
        new_session(customer_email=email)
    assert exc.value.param == "customer_email"


def test_metadata_previous_attributes_list_changed_keys(stripe_client):
    cus = stripe_client.v1.customers.create({"metadata": {"a": "1", "b": "2", "c": "3"}})
    stripe_client.v1.customers.update(cus.id, {"metadata": {"a": "9", "b": "", "d": "4"}})
    events = stripe_client.v1.events.list({"type": "customer.updated", "limit": 10}).data
    event = next(e for e in events if e.data.object.id == cus.id)
    assert event.data.previous_attributes.metadata.to_dict() == {"a": "1", "b": "2", "d": None}
    assert event.data.object.metadata.to_dict() == {"a": "9", "c": "3", "d": "4"}


def test_failed_update_changes_nothing(stripe_client):
    cus = stripe_client.v1.customers.create(
        {"name": "Keep", "metadata": {f"k{i}": "v" for i in range(50)}}
    )
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.update(cus.id, {"name": "Changed", "metadata": {"new": "x"}})
    after = stripe_client.v1.customers.retrieve(cus.id)
    assert after.name == "Keep" and len(after.metadata.to_dict()) == 50
