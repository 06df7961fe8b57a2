"""Roles and what each may do. The one table of capabilities; views and the API ask it."""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    COMMISSIONER = "commissioner", "Commissioner"
    CARE_COORDINATOR = "care_coordinator", "Care coordinator"
    CLINICAL_REVIEWER = "clinical_reviewer", "Clinical reviewer"
    FINANCE_OFFICER = "finance_officer", "Finance officer"
    ANALYST = "analyst", "Analyst"
    BUDGET_HOLDER = "budget_holder", "Budget holder"
    CARER = "carer", "Carer"


STAFF_ROLES = frozenset(
    {
        Role.COMMISSIONER,
        Role.CARE_COORDINATOR,
        Role.CLINICAL_REVIEWER,
        Role.FINANCE_OFFICER,
        Role.ANALYST,
    }
)


class Capability(StrEnum):
    VIEW_PATIENTS = "view_patients"  # identifiable records, scoped to the user's organisations
    EDIT_PATIENTS = "edit_patients"
    IMPORT_PATIENTS = "import_patients"
    VIEW_ACCESS_HISTORY = "view_access_history"
    VIEW_ORGANISATIONS = "view_organisations"
    MANAGE_ORGANISATIONS = "manage_organisations"
    VIEW_OWN_RECORD = "view_own_record"  # a budget holder: self and those they represent
    VIEW_PROGRAMMES = "view_programmes"
    MANAGE_PROGRAMMES = "manage_programmes"  # set up programmes, sites, rules; run screening
    ENROL = "enrol"  # move people through the enrolment journey, send offers
    RECORD_TIME = "record_time"  # staff minutes against an enrolment
    VIEW_UPTAKE = "view_uptake"  # counts only: funnels, alerts, the national return
    VIEW_FUNDING = "view_funding"  # funding streams, allocations, commissioners' positions
    MANAGE_FUNDING = "manage_funding"  # record allocations, set up streams, overdraft policies
    VIEW_BUDGETS = "view_budgets"  # budgets of the patients the user may see
    MANAGE_BUDGETS = "manage_budgets"  # create, revise, commit, pay and reverse
    VIEW_LEDGER = "view_ledger"  # accounts, statements and transactions of their organisations
    VIEW_PLANS = "view_plans"  # assessments and care plans of the patients the user may see
    PLAN_CARE = "plan_care"  # assess, share indicative budgets, build plans, reviews
    REVIEW_CLINICALLY = "review_clinically"  # decide plan items, reconsider declined items
    APPROVE_PLANS = "approve_plans"  # approve plans, reconsider reductions, end plans
    MANAGE_CATALOGUE = "manage_catalogue"  # catalogue, providers, planning policy, RAS schemes
    REQUEST_RECONSIDERATION = "request_reconsideration"  # ask for a decision to be looked at again
    MANAGE_PAYMENTS = "manage_payments"  # direct-payment set-ups, bank details, payment runs
    IMPORT_STATEMENTS = "import_statements"  # bank and card statements, the matching rules
    MONITOR_SPENDING = "monitor_spending"  # statements of budgets, flags: resolve or dismiss
    RECOVER_MONEY = "recover_money"  # issue repayment notices, record what was recovered
    DECIDE_RECOVERY = "decide_recovery"  # reconsider a repayment notice (not one's own)


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.COMMISSIONER: frozenset(
        {
            Capability.VIEW_PLANS,
            Capability.APPROVE_PLANS,
            Capability.MANAGE_CATALOGUE,
            Capability.VIEW_PATIENTS,
            Capability.EDIT_PATIENTS,
            Capability.IMPORT_PATIENTS,
            Capability.VIEW_ACCESS_HISTORY,
            Capability.VIEW_ORGANISATIONS,
            Capability.MANAGE_ORGANISATIONS,
            Capability.VIEW_PROGRAMMES,
            Capability.MANAGE_PROGRAMMES,
            Capability.VIEW_UPTAKE,
            Capability.VIEW_FUNDING,
            Capability.MANAGE_FUNDING,
            Capability.VIEW_BUDGETS,
            Capability.MANAGE_BUDGETS,
            Capability.VIEW_LEDGER,
            Capability.IMPORT_STATEMENTS,
            Capability.MONITOR_SPENDING,
            Capability.DECIDE_RECOVERY,
        }
    ),
    Role.CARE_COORDINATOR: frozenset(
        {
            Capability.VIEW_PLANS,
            Capability.PLAN_CARE,
            Capability.REQUEST_RECONSIDERATION,
            Capability.VIEW_PATIENTS,
            Capability.EDIT_PATIENTS,
            Capability.IMPORT_PATIENTS,
            Capability.VIEW_ACCESS_HISTORY,
            Capability.VIEW_ORGANISATIONS,
            Capability.VIEW_PROGRAMMES,
            Capability.ENROL,
            Capability.RECORD_TIME,
            Capability.VIEW_BUDGETS,
            Capability.MONITOR_SPENDING,
            Capability.RECOVER_MONEY,
        }
    ),
    Role.CLINICAL_REVIEWER: frozenset(
        {
            Capability.VIEW_PLANS,
            Capability.REVIEW_CLINICALLY,
            Capability.VIEW_PATIENTS,
            Capability.VIEW_ORGANISATIONS,
            Capability.VIEW_PROGRAMMES,
            Capability.RECORD_TIME,
            Capability.VIEW_BUDGETS,
        }
    ),
    Role.FINANCE_OFFICER: frozenset(
        {
            Capability.MANAGE_PAYMENTS,
            Capability.IMPORT_STATEMENTS,
            Capability.MONITOR_SPENDING,
            Capability.RECOVER_MONEY,
            Capability.VIEW_PLANS,
            Capability.VIEW_PATIENTS,
            Capability.VIEW_ORGANISATIONS,
            Capability.VIEW_PROGRAMMES,
            Capability.RECORD_TIME,
            Capability.VIEW_FUNDING,
            Capability.MANAGE_FUNDING,
            Capability.VIEW_BUDGETS,
            Capability.MANAGE_BUDGETS,
            Capability.VIEW_LEDGER,
        }
    ),
    # Analysts work with counts and pseudonymised extracts, never identifiable records.
    Role.ANALYST: frozenset(
        {
            Capability.VIEW_ORGANISATIONS,
            Capability.VIEW_PROGRAMMES,
            Capability.VIEW_UPTAKE,
            Capability.VIEW_FUNDING,
        }
    ),
    Role.BUDGET_HOLDER: frozenset({Capability.VIEW_OWN_RECORD, Capability.REQUEST_RECONSIDERATION}),
    Role.CARER: frozenset(),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in ROLE_CAPABILITIES.get(role, frozenset())
