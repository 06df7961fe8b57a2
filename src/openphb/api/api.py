"""The HTTP API at /api/v1: adapters over the domain services and selectors."""

from ninja import NinjaAPI

from . import errors
from .assessments import router as assessments
from .auth import BearerToken
from .budget_statements import router as budget_statements
from .budgets import router as budgets
from .catalogue import catalogue, policy, providers, schemes
from .direct_payments import router as direct_payments
from .funding import router as funding
from .ledger import accounts, transactions
from .monitoring import flags
from .monitoring import policies as monitoring_policies
from .organisations import router as organisations
from .patients import router as patients
from .payments import originators, runs_router
from .plan_decisions import router as plan_decisions
from .plans import router as plans
from .programmes import returns
from .programmes import router as programmes
from .recovery import notices as repayment_notices
from .recovery import reconsiderations as notice_reconsiderations
from .statement_imports import router as statement_imports
from .statement_rules import router as statement_rules

api = NinjaAPI(
    title="OpenPHB API",
    version="1",
    description=(
        "Personal health budgets: organisations, patients, programmes, eligibility, uptake, "
        "the national quarterly return, and the money: funding streams and allocations, "
        "commissioners' positions, budgets and their figures, ledger accounts, balances, "
        "statements (JSON and CSV) and transactions; and care and support planning: "
        "allocation schemes, needs assessments with explained indicative budgets, the "
        "catalogue with legal status and evidence, providers, planning policy, and care plans "
        "from draft through clinical review, approval (which funds the budget), reviews, "
        "revisions and reconsiderations; and direct payments: each budget's set-up (payee, "
        "account type, the signed agreement, frequency), bank details entered by one finance "
        "officer and verified by another, suspensions and stops, the payments made; payment "
        "runs for a commissioner's payment day with the budgets skipped and why, approval by a "
        "second finance officer, the Bacs Standard 18 file, the remittance advice (CSV), "
        "cancelling and returned payments. Sort codes and account numbers are always masked "
        "(only the Bacs file, which is for the bank, carries them whole). Every amount is a "
        "whole number of pence. "
        "Authenticate with "
        "`Authorization: Bearer TOKEN` (tokens come from `phb create-token USERNAME`). "
        "You see only what your role and organisations allow; another organisation's patient "
        "or budget or account or plan is a 404."
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
api.add_router("/programmes", schemes)
api.add_router("/assessments", assessments)
api.add_router("/catalogue", catalogue)
api.add_router("/providers", providers)
api.add_router("/planning-policy", policy)
api.add_router("/care-plans", plans)
api.add_router("/care-plans", plan_decisions)
api.add_router("/budgets", direct_payments)
api.add_router("/payment-runs", runs_router)
api.add_router("/bacs-originators", originators)
api.add_router("/flags", flags)
api.add_router("/monitoring-policies", monitoring_policies)
api.add_router("/statement-imports", statement_imports)
api.add_router("/statement-rules", statement_rules)
api.add_router("/budgets", budget_statements)
api.add_router("/repayment-notices", repayment_notices)
api.add_router("/notice-reconsiderations", notice_reconsiderations)
