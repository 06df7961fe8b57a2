"""The HTTP API at /api/v1: adapters over the domain services and selectors."""

from ninja import NinjaAPI

from . import errors
from .auth import BearerToken
from .budgets import router as budgets
from .funding import router as funding
from .ledger import accounts, transactions
from .organisations import router as organisations
from .patients import router as patients
from .programmes import returns
from .programmes import router as programmes

api = NinjaAPI(
    title="OpenPHB API",
    version="1",
    description=(
        "Personal health budgets: organisations, patients, programmes, eligibility, uptake, "
        "the national quarterly return, and the money: funding streams and allocations, "
        "commissioners' positions, budgets and their figures, ledger accounts, balances, "
        "statements (JSON and CSV) and transactions. Every amount is a whole number of pence. "
        "Authenticate with "
        "`Authorization: Bearer TOKEN` (tokens come from `phb create-token USERNAME`). "
        "You see only what your role and organisations allow; another organisation's patient "
        "or budget or account is a 404."
    ),
    auth=BearerToken(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)
api.add_router("/organisations", organisations)
api.add_router("/patients", patients)
api.add_router("/programmes", programmes)
api.add_router("/returns", returns)
api.add_router("/funding", funding)
api.add_router("/budgets", budgets)
api.add_router("/accounts", accounts)
api.add_router("/transactions", transactions)
