"""Pure rules of recovery: how much a notice may ask for on each ground, who may be asked to
pay, the ground a monitoring flag suggests, the deadline, and the reference a repayment quotes.
Plain values in, plain values out (no database)."""

import datetime
from dataclasses import dataclass

from .models import Ground, PayerKind

# A notice gives at least this long to pay (or to ask for it to be reconsidered).
SUGGESTED_DAYS = 28

# Money already spent may be recovered only where it was used outside the plan or taken
# dishonestly; on the other grounds a notice recovers what is held unspent in the account.
SPENT_RECOVERABLE = frozenset({Ground.OUTSIDE_PLAN, Ground.THEFT_OR_FRAUD})

# A monitoring flag's code -> the ground a notice about it is likely to be on (a suggestion:
# whoever issues the notice chooses).
GROUND_FOR_FLAG: dict[str, str] = {
    "excluded_category": Ground.OUTSIDE_PLAN,
    "cash_above_policy": Ground.OUTSIDE_PLAN,
    "not_in_plan": Ground.OUTSIDE_PLAN,
    "family_payee": Ground.OUTSIDE_PLAN,
    "category_overspent": Ground.OUTSIDE_PLAN,
    "accumulating": Ground.UNUSED,
    "no_spending": Ground.UNUSED,
    "after_death": Ground.DEATH,
}


def _pounds(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    whole, pennies = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}.{pennies:02d}"


@dataclass(frozen=True)
class Limit:
    """The most a new notice may ask for, and why (in words for the person issuing it)."""

    pence: int
    basis: str


def recoverable(ground: str, *, held: int, paid: int, claimed: int = 0) -> Limit:
    """The most a notice on `ground` may ask for: what is held unspent in the direct-payment
    accounts (`held`), or, for use outside the plan and theft or fraud, everything paid into them
    (`paid`, spent or not); less what other live notices on the budget still ask for
    (`claimed`)."""
    if ground in SPENT_RECOVERABLE:
        top, basis = paid, f"{_pounds(paid)} has been paid by direct payment"
    else:
        top, basis = held, f"{_pounds(held)} is held unspent in the direct-payment account"
    if claimed:
        basis += f", and other notices still ask for {_pounds(claimed)} of it"
    return Limit(pence=max(top - claimed, 0), basis=basis)


def amount_refusal(ground: str, amount: int, limit: Limit) -> str:
    """Why `amount` cannot be asked for ('' if it can)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        return "The amount must be a whole number of pence above £0."
    if amount <= limit.pence:
        return ""
    what = (
        "A notice for use outside the plan or for theft or fraud can ask for at most what was paid"
        if ground in SPENT_RECOVERABLE
        else "A notice on this ground can ask for at most what is held unspent"
    )
    return f"{what}: {limit.basis}, so {_pounds(amount)} is more than can be recovered."


def payer_refusal(
    payer_kind: str,
    *,
    ground: str,
    died: bool,
    has_representative: bool,
    payee_is_nominee: bool,
    full_name: str,
) -> str:
    """Why this payer cannot be asked to pay ('' if they can)."""
    if payer_kind not in PayerKind.values:
        return "Say who must pay: the person, their representative, their nominee or their estate."
    if payer_kind == PayerKind.ESTATE:
        if ground != Ground.DEATH:
            return "Only a notice on the ground of death is paid by the estate."
        if not died:
            return f"No date of death is recorded for {full_name}, so there is no estate to pay."
    if payer_kind == PayerKind.PERSON and died:
        return f"{full_name} has died: their estate or who held the money must pay."
    if payer_kind == PayerKind.REPRESENTATIVE and not has_representative:
        return f"No representative is recorded for {full_name}."
    if payer_kind == PayerKind.NOMINEE and not payee_is_nominee:
        return "The direct payment is not paid to a nominee, so no nominee can be asked to pay."
    return ""


def deadline_refusal(deadline: datetime.date, issued_on: datetime.date) -> str:
    if deadline > issued_on:
        return ""
    suggested = issued_on + datetime.timedelta(days=SUGGESTED_DAYS)
    return (
        "The deadline must be after the day the notice is issued; we suggest "
        f"{SUGGESTED_DAYS} days, {suggested:%-d %B %Y}."
    )


def deadline_after_pause(
    deadline: datetime.date, requested_on: datetime.date, decided_on: datetime.date
) -> datetime.date:
    """A reconsideration stops the clock: the deadline moves on by the days it took."""
    return deadline + max(decided_on - requested_on, datetime.timedelta(0))


def outstanding(amount: int, recovered: int) -> int:
    """What is still to be recovered (never below nothing)."""
    return max(amount - recovered, 0)


def notice_reference(notice_id: int) -> str:
    """What a repayment quotes so that the money is matched to its notice."""
    return f"PHB-R{notice_id:06d}"
