"""Allocation invariants (hypothesis): exact sums, never over a component, fill order, LIFO refunds."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.ledger.allocation import ComponentDue, Held, allocate, reverse


@st.composite
def components(draw: st.DrawFn) -> list[ComponentDue]:
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        amount = draw(st.integers(1, 10**8))
        due = draw(st.none() | st.integers(0, 60).map(lambda d: date(2026, 7, 1) + timedelta(d)))
        out.append(
            ComponentDue(
                component_id=100 + i,
                amount=amount,
                paid=draw(st.integers(0, amount)),
                priority=draw(st.integers(1, 4)),
                due_date=due,
                position=draw(st.integers(0, 5)),
            )
        )
    return out


def _order(comps: list[ComponentDue]) -> list[ComponentDue]:
    """The documented rule, written independently: priority, then due date, then creation."""
    return sorted(
        comps,
        key=lambda c: (
            c.priority,
            c.due_date is None,
            c.due_date or date.min,
            c.position,
            c.component_id,
        ),
    )


@settings(max_examples=120)
@given(comps=components(), amount=st.integers(1, 5 * 10**8))
def test_allocation_sums_exactly_and_never_overfills(comps, amount):
    split = allocate(amount, comps)
    by_id = {c.component_id: c for c in comps}
    assert sum(a for _, a in split.parts) + split.credit == amount
    assert split.credit == max(amount - sum(c.outstanding for c in comps), 0)
    assert len({cid for cid, _ in split.parts}) == len(split.parts)
    for cid, part in split.parts:
        assert 0 < part <= by_id[cid].outstanding


@settings(max_examples=120)
@given(comps=components(), amount=st.integers(1, 5 * 10**8))
def test_components_fill_in_priority_then_due_date_then_creation_order(comps, amount):
    split = allocate(amount, comps)
    got = dict(split.parts)
    open_in_order = [c for c in _order(comps) if c.outstanding > 0]
    assert [cid for cid, _ in split.parts] == [c.component_id for c in open_in_order][
        : len(split.parts)
    ]
    # only the last component touched may be left partly filled
    for c in open_in_order[: max(len(split.parts) - 1, 0)]:
        assert got[c.component_id] == c.outstanding


@st.composite
def payment_history(draw: st.DrawFn) -> tuple[list[Held], int, int]:
    held = [
        Held(
            allocation_id=i,
            component_id=draw(st.integers(1, 4)),
            amount=draw(st.integers(1, 10**7)),
        )
        for i in draw(st.lists(st.integers(1, 10**6), min_size=1, max_size=8, unique=True))
    ]
    credit = draw(st.integers(0, 10**6))
    refund = draw(st.integers(1, credit + sum(h.amount for h in held)))
    return held, credit, refund


@settings(max_examples=120)
@given(history=payment_history())
def test_refund_takes_credit_first_then_newest_allocations(history):
    held, credit, refund = history
    from_credit, parts = reverse(refund, held, credit)
    assert from_credit == min(credit, refund)
    assert from_credit - sum(a for _, a in parts) == refund
    newest_first = sorted(held, key=lambda h: h.allocation_id, reverse=True)
    assert [cid for cid, _ in parts] == [h.component_id for h in newest_first][: len(parts)]
    for h, (_, negative) in zip(newest_first, parts, strict=False):
        assert -h.amount <= negative < 0
    # everything newer than the last allocation touched was reversed in full
    for h, (_, negative) in list(zip(newest_first, parts, strict=False))[:-1]:
        assert negative == -h.amount


@settings(max_examples=100)
@given(comps=components(), amount=st.integers(1, 5 * 10**8))
def test_refunding_a_whole_payment_undoes_its_allocation(comps, amount):
    split = allocate(amount, comps)
    held = [Held(i, cid, part) for i, (cid, part) in enumerate(split.parts, start=1)]
    from_credit, parts = reverse(amount, held, split.credit)
    assert from_credit == split.credit
    net: dict[int, int] = {}
    for cid, part in [*split.parts, *parts]:
        net[cid] = net.get(cid, 0) + part
    assert set(net.values()) <= {0}


def test_a_refund_larger_than_the_payment_is_refused():
    with pytest.raises(ValueError, match="larger than"):
        reverse(101, [Held(1, 1, 100)], 0)
    with pytest.raises(ValueError):
        allocate(0, [])


def test_worked_example():
    tuition = ComponentDue(1, 5_000_000, 0, 1, None, 0)
    hostel = ComponentDue(2, 1_100_000, 0, 2, None, 1)
    split = allocate(5_500_000, [hostel, tuition])
    assert split.parts == [(1, 5_000_000), (2, 500_000)] and split.credit == 0
    held = [Held(10, 1, 5_000_000), Held(11, 2, 500_000)]
    assert reverse(700_000, held, 0) == (0, [(2, -500_000), (1, -200_000)])
