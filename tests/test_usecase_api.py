import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from usecases.models import UseCase
from usecases.services import usecase_grant_access

from .factories import RoleFactory, UserFactory, complete_answers

URL = "/api/v1/use-cases/"


def _payload(team, owner, **overrides):
    return {**complete_answers(**overrides), "team": team.pk, "business_owner": owner.pk}


def test_a_submitter_creates_a_draft_and_gets_reference_tier_and_reasons(
    api, alice, marketing, owner
):
    response = api(alice).post(URL, _payload(marketing, owner), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("UC-")
    assert body["state"] == "draft"
    assert body["revision"] == 0
    assert body["risk_tier"] == "limited"
    # Personalised offer e-mails: no EU AI Act duty; profiling raises the tier by policy.
    assert body["ai_act_class"] == "minimal"
    assert body["ai_act_reasons"][0].startswith("Minimal risk (law: EU AI Act Art. 95)")
    assert body["risk_reasons"] == [
        "Limited (internal policy: policy POL-07): uses personal data to profile people "
        "(GDPR Art. 4(4)); they may object to profiling for direct marketing (GDPR Art. 21(2))."
    ]
    codes = [obligation["code"] for obligation in body["obligations"]]
    assert {"GDPR-21", "EPD-5-3", "UKGDPR-21"} <= set(codes)
    assert "AIA-50-1" not in codes
    assert body["markets"] == ["IE", "GB"] and body["operator_role"] == "deployer"
    assert body["team"] == marketing.pk and body["business_owner"] == owner.pk
    assert body["channels"] == ["email"]


def test_markets_are_country_codes(api, alice, marketing):
    response = api(alice).post(
        URL, {"team": marketing.pk, "markets": ["ie", "XX", "EU"]}, format="json"
    )
    assert response.status_code == 400
    assert "XX" in response.json()["markets"][0]
    response = api(alice).post(URL, {"team": marketing.pk, "markets": ["ie", "EU"]}, format="json")
    assert response.status_code == 201 and response.json()["markets"] == ["IE", "EU"]


def test_a_draft_can_be_created_with_only_a_team(api, alice, marketing):
    response = api(alice).post(URL, {"team": marketing.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["title"] == ""


def test_bad_input_is_a_400_with_field_messages(api, alice, marketing):
    response = api(alice).post(
        URL,
        {"team": marketing.pk, "channels": ["carrier_pigeon"], "customer_facing": "maybe"},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "channels" in body and "customer_facing" in body


def test_creating_for_another_team_is_refused_with_a_field_error(api, alice, contact_centre):
    response = api(alice).post(URL, {"team": contact_centre.pk}, format="json")
    assert response.status_code == 400
    assert "team" in response.json()


def test_derived_fields_cannot_be_typed_in(api, alice, marketing, owner):
    response = api(alice).post(
        URL,
        {**_payload(marketing, owner), "risk_tier": "minimal", "state": "approved"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["risk_tier"] == "limited"
    assert response.json()["state"] == "draft"


def test_submit_reports_every_missing_answer_as_a_400(api, alice, marketing):
    client = api(alice)
    created = client.post(URL, {"team": marketing.pk, "title": "Chatbot"}, format="json").json()
    response = client.post(f"{URL}{created['id']}/submit/")
    assert response.status_code == 400
    body = response.json()
    assert {"summary", "business_owner", "channels", "customer_facing"} <= set(body)
    assert all(isinstance(messages, list) and messages for messages in body.values())


def test_submit_then_update_is_refused_with_403_and_nothing_changes(api, make_use_case, alice):
    use_case = make_use_case()
    client = api(alice)
    response = client.post(f"{URL}{use_case.pk}/submit/")
    assert response.status_code == 200
    assert response.json()["state"] == "in_review"
    assert response.json()["revision"] == 1
    response = client.patch(f"{URL}{use_case.pk}/", {"title": "Sneaky change"}, format="json")
    assert response.status_code == 403
    assert "cannot be edited" in response.json()["detail"]
    assert UseCase.objects.get(pk=use_case.pk).title == "Next-best-offer e-mails"


def test_submitting_twice_is_a_clear_conflict(api, make_use_case, alice):
    use_case = make_use_case("submitted")
    response = api(alice).post(f"{URL}{use_case.pk}/submit/")
    assert response.status_code == 409
    assert "cannot be submitted" in response.json()["detail"]


def test_a_prohibited_practice_is_refused_at_submit_with_the_reason(api, make_use_case, alice):
    use_case = make_use_case(social_scoring=True)
    response = api(alice).post(f"{URL}{use_case.pk}/submit/")
    assert response.status_code == 400
    assert "Art. 5(1)(c)" in response.json()["social_scoring"][0]


def test_withdraw_and_revisions(api, make_use_case, alice):
    use_case = make_use_case("submitted")
    client = api(alice)
    revisions = client.get(f"{URL}{use_case.pk}/revisions/").json()
    assert [r["number"] for r in revisions] == [1]
    assert revisions[0]["answers"]["channels"] == ["email"]
    assert revisions[0]["submitted_by"] == "alice"
    response = client.post(
        f"{URL}{use_case.pk}/withdraw/", {"reason": "Vendor dropped"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["state"] == "withdrawn"


def test_edit_changes_the_derived_class_and_tier(api, make_use_case, alice):
    use_case = make_use_case()
    response = api(alice).patch(
        f"{URL}{use_case.pk}/", {"sensitive_purposes": ["creditworthiness"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["ai_act_class"] == "high_risk"
    assert response.json()["risk_tier"] == "high"
    assert "AIA-27" in [o["code"] for o in response.json()["obligations"]]


def test_a_providers_art_6_3_conclusion_over_the_api(api, make_use_case, alice):
    use_case = make_use_case(operator_role="provider", sensitive_purposes=["recruitment"])
    client = api(alice)
    wrong = client.patch(
        f"{URL}{use_case.pk}/", {"art_6_3_conditions": ["looks_harmless"]}, format="json"
    )
    assert wrong.status_code == 400 and "art_6_3_conditions" in wrong.json()
    # It personalises job adverts: it profiles people, so the conclusion cannot stand.
    client.patch(
        f"{URL}{use_case.pk}/", {"art_6_3_conditions": ["preparatory_task"]}, format="json"
    )
    refused = client.post(f"{URL}{use_case.pk}/submit/")
    assert refused.status_code == 400
    assert "third subparagraph" in refused.json()["art_6_3_conditions"][0]
    assert "art_6_3_grounds" in refused.json()
    changed = client.patch(
        f"{URL}{use_case.pk}/",
        {"capabilities": ["generative_content"], "art_6_3_grounds": "Drafts only."},
        format="json",
    ).json()
    assert changed["ai_act_class"] == "transparency" and changed["risk_tier"] == "high"
    assert changed["ai_act_reasons"][1].startswith(
        "Not high risk (law: EU AI Act Art. 6(3), second subparagraph, point (d))"
    )
    assert {"AIA-6-4", "AIA-49-2"} <= {o["code"] for o in changed["obligations"]}
    assert client.post(f"{URL}{use_case.pk}/submit/").status_code == 200


class TestVisibility:
    def test_another_team_gets_404_on_a_draft_and_it_is_not_listed(
        self, api, make_use_case, charlie
    ):
        use_case = make_use_case()
        client = api(charlie)
        assert client.get(f"{URL}{use_case.pk}/").status_code == 404
        assert (
            client.patch(f"{URL}{use_case.pk}/", {"title": "x"}, format="json").status_code == 404
        )
        assert client.post(f"{URL}{use_case.pk}/submit/").status_code == 404
        assert client.get(f"{URL}{use_case.pk}/revisions/").status_code == 404
        assert client.get(URL).json()["count"] == 0

    def test_council_members_do_not_see_drafts(
        self, api, make_use_case, council_member, chair, auditor
    ):
        use_case = make_use_case()
        for user in (council_member, chair, auditor):
            assert api(user).get(f"{URL}{use_case.pk}/").status_code == 404

    def test_submitted_is_visible_to_council_chair_and_auditor_but_not_other_teams(
        self, api, make_use_case, council_member, chair, auditor, charlie, outsider
    ):
        use_case = make_use_case("submitted")
        for user in (council_member, chair, auditor):
            assert api(user).get(f"{URL}{use_case.pk}/").status_code == 200
        for user in (charlie, outsider):
            assert api(user).get(f"{URL}{use_case.pk}/").status_code == 404

    def test_a_confidential_use_case_is_hidden_from_council_members_even_its_title(
        self, api, make_use_case, chair, auditor
    ):
        use_case = make_use_case("submitted", confidential=True, title="Secret launch")
        # Joins the council after the reviewers and verifiers were assigned: not granted.
        council_member = UserFactory(username="erin.ethics")
        RoleFactory(user=council_member, role="ethics")
        response = api(council_member).get(URL)
        assert response.json()["count"] == 0
        assert "Secret launch" not in response.content.decode()
        assert api(council_member).get(f"{URL}{use_case.pk}/").status_code == 404
        assert api(council_member).get(URL, {"q": "Secret"}).json()["count"] == 0
        for user in (chair, auditor):
            assert api(user).get(f"{URL}{use_case.pk}/").status_code == 200

    def test_an_assigned_reviewer_sees_the_confidential_use_case(
        self, make_use_case, council_member, api, chair
    ):
        use_case = make_use_case("submitted", confidential=True)
        usecase_grant_access(
            actor=chair, use_case=use_case, user=council_member, why="assigned reviewer"
        )
        assert api(council_member).get(f"{URL}{use_case.pk}/").status_code == 200

    def test_a_grant_does_not_open_a_draft(self, make_use_case, council_member, api, chair):
        use_case = make_use_case(confidential=True)
        usecase_grant_access(actor=chair, use_case=use_case, user=council_member, why="early look")
        assert api(council_member).get(f"{URL}{use_case.pk}/").status_code == 404

    def test_the_business_owner_sees_and_edits_the_draft(self, api, make_use_case, owner):
        use_case = make_use_case()
        response = api(owner).patch(f"{URL}{use_case.pk}/", {"title": "Owner edit"}, format="json")
        assert response.status_code == 200

    def test_council_members_and_auditors_cannot_change_what_they_see(
        self, api, make_use_case, council_member, auditor, chair
    ):
        use_case = make_use_case("submitted")
        for user in (council_member, auditor, chair):
            client = api(user)
            assert (
                client.patch(f"{URL}{use_case.pk}/", {"title": "x"}, format="json").status_code
                == 403
            )
            assert client.post(f"{URL}{use_case.pk}/withdraw/").status_code == 403

    def test_a_team_member_whose_membership_ended_loses_access(self, api, make_use_case, bob):
        use_case = make_use_case()
        membership = bob.team_memberships.get()
        membership.ends_on = membership.starts_on - datetime.timedelta(days=0)
        membership.starts_on = membership.ends_on - datetime.timedelta(days=30)
        membership.ends_on = membership.ends_on - datetime.timedelta(days=1)
        membership.save()
        assert api(bob).get(f"{URL}{use_case.pk}/").status_code == 404

    def test_anonymous_requests_are_refused(self, make_use_case):
        use_case = make_use_case("submitted")
        assert APIClient().get(URL).status_code in (401, 403)
        assert APIClient().get(f"{URL}{use_case.pk}/").status_code in (401, 403)


class TestFilters:
    def test_filters_by_state_tier_team_function_channel_and_text(
        self, api, make_use_case, alice, marketing
    ):
        make_use_case("submitted", title="Churn radar", channels=["web"], functions=["sales"])
        make_use_case(
            title="Voice bot",
            channels=["voice_ivr"],
            functions=["contact_centre"],
            capabilities=["voice_agent"],
            human_escalation="Say 'agent'.",
        )
        client = api(alice)

        def titles(**params):
            return sorted(row["title"] for row in client.get(URL, params).json()["results"])

        assert titles(state="in_review") == ["Churn radar"]
        assert titles(channel="voice_ivr") == ["Voice bot"]
        assert titles(function="sales") == ["Churn radar"]
        assert titles(q="radar") == ["Churn radar"]
        assert titles(team=marketing.pk) == ["Churn radar", "Voice bot"]
        assert titles(risk_tier="limited") == ["Churn radar", "Voice bot"]
        assert client.get(URL, {"channel": "telepathy"}).status_code == 400

    def test_page_size_is_capped_at_500(self, api, make_use_case, alice):
        make_use_case()
        body = api(alice).get(URL, {"page_size": 10000}).json()
        assert body["count"] == 1


def _count_list_queries(api, user, url):
    fresh = type(user).objects.get  # a fresh user object, as in a real request
    api(fresh(pk=user.pk)).get(url)  # warm the per-process caches (content types)
    client = api(fresh(pk=user.pk))
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context)


# The list's queries for each kind of reader, pinned: a change shows here.
LIST_QUERIES = {"alice": 4, "audrey.auditor": 4}  # one loads the model versions of the page


def test_the_list_runs_the_same_number_of_queries_for_few_and_many_rows(
    api, make_use_case, alice, auditor
):
    for _ in range(3):
        make_use_case("submitted")
    few = {user: _count_list_queries(api, user, URL) for user in (alice, auditor)}
    for _ in range(27):
        make_use_case("submitted")
    many = {user: _count_list_queries(api, user, URL) for user in (alice, auditor)}
    assert few == many
    assert {user.username: queries for user, queries in many.items()} == LIST_QUERIES


class TestAttachments:
    def _upload(self, client, use_case, name, content, kind="dpia"):
        return client.post(
            f"{URL}{use_case.pk}/attachments/",
            {"file": SimpleUploadedFile(name, content), "kind": kind},
            format="multipart",
        )

    def test_upload_list_and_download_by_the_team(self, api, make_use_case, alice):
        use_case = make_use_case()
        client = api(alice)
        response = self._upload(client, use_case, "dpia.pdf", b"%PDF-1.7 test content")
        assert response.status_code == 201, response.json()
        attachment = response.json()
        assert attachment["original_name"] == "dpia.pdf"
        assert attachment["size"] == len(b"%PDF-1.7 test content")
        assert [a["id"] for a in client.get(f"{URL}{use_case.pk}/attachments/").json()] == [
            attachment["id"]
        ]
        download = client.get(f"{URL}{use_case.pk}/attachments/{attachment['id']}/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"%PDF-1.7 test content"
        assert "attachment" in download["Content-Disposition"]

    @pytest.mark.parametrize(
        ("name", "content", "message"),
        [
            ("run.exe", b"MZ\x90\x00", "not accepted"),
            ("fake.pdf", b"MZ\x90\x00 not a pdf", "does not look like"),
            ("notes.txt", b"\x00\x01binary", "does not look like"),
            ("empty.csv", b"", "empty"),
        ],
    )
    def test_wrong_types_are_refused_with_a_reason(
        self, api, make_use_case, alice, name, content, message
    ):
        use_case = make_use_case()
        response = self._upload(api(alice), use_case, name, content)
        assert response.status_code == 400
        assert message in str(response.json()["file"])
        assert use_case.attachments.count() == 0

    def test_files_over_the_limit_are_refused(self, api, make_use_case, alice, settings):
        settings.ATTACHMENT_MAX_BYTES = 1024
        use_case = make_use_case()
        response = self._upload(api(alice), use_case, "big.csv", b"a,b\n" * 1000)
        assert response.status_code == 400
        assert "limit" in str(response.json()["file"])

    def test_other_teams_cannot_see_or_download_files_and_reviewers_cannot_add(
        self, api, make_use_case, alice, charlie, council_member
    ):
        use_case = make_use_case()
        attachment_id = self._upload(api(alice), use_case, "a.txt", b"hello").json()["id"]
        assert (
            api(charlie).get(f"{URL}{use_case.pk}/attachments/{attachment_id}/").status_code == 404
        )
        assert api(charlie).get(f"{URL}{use_case.pk}/attachments/").status_code == 404
        api(alice).post(f"{URL}{use_case.pk}/submit/")
        assert (
            api(council_member).get(f"{URL}{use_case.pk}/attachments/{attachment_id}/").status_code
            == 200
        )
        assert self._upload(api(council_member), use_case, "b.txt", b"hi").status_code == 403
        response = api(council_member).delete(f"{URL}{use_case.pk}/attachments/{attachment_id}/")
        assert response.status_code == 403

    def test_a_submitted_revision_records_its_files(self, api, make_use_case, alice):
        use_case = make_use_case()
        self._upload(api(alice), use_case, "vendor.md", "# Vendor terms ✓".encode())
        api(alice).post(f"{URL}{use_case.pk}/submit/")
        revision = api(alice).get(f"{URL}{use_case.pk}/revisions/").json()[0]
        assert [f["name"] for f in revision["attachments"]] == ["vendor.md"]
