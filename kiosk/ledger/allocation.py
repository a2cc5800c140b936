"""How a payment is split across fee components, and how a refund undoes it.

Pure functions over plain values, so the invariants are easy to state and to test:
- allocations sum exactly to the payment, less any credit (money beyond what is owed);
- no component receives more than it has outstanding;
- components fill by priority, then due date, then creation order;
- a refund takes back credit first, then allocations last-in-first-out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ComponentDue:
    component_id: int
    amount: int
    paid: int
    priority: int
    due_date: date | None
    position: int

    @property
    def outstanding(self) -> int:
        return max(self.amount - self.paid, 0)

    def order_key(self) -> tuple[int, date, int, int]:
        return (self.priority, self.due_date or date.max, self.position, self.component_id)


@dataclass(frozen=True)
class Split:
    parts: list[tuple[int, int]]  # (component_id, amount), in fill order
    credit: int  # what no component could take


def allocate(amount: int, components: list[ComponentDue]) -> Split:
    if amount <= 0:
        raise ValueError("a payment to allocate must be positive")
    remaining = amount
    parts: list[tuple[int, int]] = []
    for comp in sorted(components, key=ComponentDue.order_key):
        if remaining == 0:
            break
        take = min(comp.outstanding, remaining)
        if take > 0:
            parts.append((comp.component_id, take))
            remaining -= take
    return Split(parts, remaining)


@dataclass(frozen=True)
class Held:
    """An allocation of one payment that a refund may take back."""

    allocation_id: int
    component_id: int
    amount: int  # net of earlier reversals, > 0


def reverse(amount: int, held: list[Held], credit: int) -> tuple[int, list[tuple[int, int]]]:
    """Take `amount` back: credit first, then allocations newest first.

    Returns (credit_taken, [(component_id, negative_amount), ...]).
    """
    if amount <= 0:
        raise ValueError("a refund must be positive")
    if amount > credit + sum(h.amount for h in held):
        raise ValueError("refund is larger than what the payment still holds")
    from_credit = min(credit, amount)
    remaining = amount - from_credit
    out: list[tuple[int, int]] = []
    for h in sorted(held, key=lambda h: h.allocation_id, reverse=True):
        if remaining == 0:
            break
        take = min(h.amount, remaining)
        out.append((h.component_id, -take))
        remaining -= take
    return from_credit, out
