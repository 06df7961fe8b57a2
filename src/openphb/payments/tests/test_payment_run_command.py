import io

import pytest
from django.core.management import CommandError, call_command

from openphb.payments.models import PaymentRun

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("payment-run", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_two_officers_create_and_approve_a_run_and_write_its_file(
    icb, originator, verified, finance, finance2, tmp_path
):
    created = run(
        "create", "--commissioner", icb.ods_code, "--date", TODAY.isoformat(), "--as", "finance"
    )
    number = str(PaymentRun.objects.get().pk)
    assert created.startswith(f"Run {number} for {icb.name}")
    assert "2 payments" in created
    assert "0 budgets skipped" in created
    with pytest.raises(CommandError, match="another finance officer approves it"):
        run("approve", number, "--as", "finance")
    approved = run("approve", number, "--as", "finance2")
    assert "Bacs file serial 1, SHA-256 " in approved
    out = tmp_path / "run.bacs"
    assert "(as approved)" in run("file", number, "--out", str(out))
    assert out.read_bytes().startswith(b"VOL1")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("create", "--commissioner", "QMF", "--date", "1 May", "--as", "finance"),
            "--date must be",
        ),
        (
            ("create", "--commissioner", "NOPE", "--date", "2026-05-01", "--as", "finance"),
            "No organisation",
        ),
        (
            ("create", "--commissioner", "QMF", "--date", "2026-05-01", "--as", "coordinator"),
            "not a finance officer",
        ),
        (("approve", "x7", "--as", "finance"), "named by its number"),
        (("approve", "999", "--as", "finance"), "no payment run 999"),
        (("approve", "1", "--as", "finance", "--chunk", "0"), "--chunk must be 1 or more"),
    ],
)
def test_bad_arguments_are_refused_clearly(icb, finance, coordinator, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
