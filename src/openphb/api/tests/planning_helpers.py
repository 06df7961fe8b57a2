"""What the planning API tests share: a caller with a token, a 422's messages, request
bodies."""

import datetime

from tests import factories

from openphb.accounts.services import api_token_create
from openphb.audit.services import Actor

TODAY = datetime.date.today()
GAMBLING_RULE = (
    "A personal health budget cannot be used for gambling. (Excluded: gambling; National "
    "Health Service (Direct Payments) Regulations 2013 and NHS England guidance.)"
)


OUTCOME = {
    "what_matters": "I want to go swimming again without being afraid of a seizure.",
    "goal": "Swim once a week with support by the first review.",
}
POLICY = {
    "starts_on": TODAY.isoformat(),
    "tolerance_basis_points": 1_000,
    "two_approvers_above": 1_000_000,
    "allow_insufficient": True,
    "allow_not_supported": False,
}
CATALOGUE_ITEM = {
    "code": "art-therapy",
    "name": "Art therapy",
    "category": "therapies",
    "unit": "session",
    "reference_price": 5_000,
    "price_cap": 6_500,
    "evidence": [
        {
            "condition_code": "35489007",
            "condition": "Depression",
            "rating": "conditional",
            "source": "NICE guideline NG222",
        }
    ],
}


def bearer(user):
    _, token = api_token_create(actor=Actor.system_job("test"), user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


levels = factories.levels


class Caller:
    """One user's side of the conversation with the API."""

    def __init__(self, client, user):
        self.client, self.auth = client, bearer(user)

    def get(self, path, params=None):
        return self.client.get(f"/api/v1{path}", params or {}, **self.auth)

    def send(self, method, path, body=None):
        return getattr(self.client, method)(
            f"/api/v1{path}", body or {}, content_type="application/json", **self.auth
        )

    def post(self, path, body=None):
        return self.send("post", path, body)

    def ok(self, method, path, body=None, status=200):
        response = self.send(method, path, body)
        assert response.status_code == status, response.content
        return response.json()


def messages(response):
    """A 422's messages by where they point: {("body", "name"): ["..."]}."""
    assert response.status_code == 422, response.content
    found = {}
    for error in response.json()["detail"]:
        found.setdefault(tuple(error["loc"]), []).append(error["msg"])
    return found


def item_body(scene, version, **more):
    return {
        "catalogue_version_id": version.pk,
        "quantity": 1,
        "frequency": "once" if version.unit == "one_off" else "weekly",
        "holding": "direct_payment",
        "stream": scene.stream.code,
        **more,
    }
