"""Pages of the use cases (the HTML face of usecases.services and selectors).

Views parse input, call one service or selector, and render. Rules live in the services and
selectors: who may do what is the selectors' `usecase_*_refusal`, which a page asks before it
shows or reads a form and the service again before it writes. A refused action
(`ActionForbidden`) answers 403, an illegal transition comes back as a message.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

import workflows
from common.errors import StaleEdit, refuse
from common.pages import back_to, once_per_form, refusals_answered
from common.paging import CappedPaginator

from . import services
from .answers import answers_by_section
from .filters import UseCaseFilter
from .forms import LINKED_VERSIONS, AttachmentForm, ModelVersionsForm, UseCaseForm, WithdrawForm
from .models import LinkKind
from .selectors import (
    similar_use_cases,
    usecase_duplicate_check,
    usecase_edit_refusal,
    usecase_get_visible,
    usecase_links_visible,
    usecase_list_visible,
    usecase_propose_refusal,
    usecase_submit_refusal,
    usecase_withdraw_refusal,
)
from .views_support import attachment_response

PAGE_SIZE = 25
# The search box says what it searches (the filter set, shared with the API, says "Search").
SEARCH_LABEL = gettext_lazy("Search reference, title, text or vendor")
LINKED = {
    LinkKind.DUPLICATES: gettext_lazy(
        "Linked: this use case duplicates %(other)s, shown on both pages."
    ),
    LinkKind.EXTENDS: gettext_lazy("Linked: this use case extends %(other)s, shown on both pages."),
}
_refusals_answered = refusals_answered(back_to("usecases:detail"))


def _posted(request):
    return request.POST if request.method == "POST" else None


def _editable(user, pk):
    """The use case if the user may edit it now; 404 when invisible, 403 when only visible."""
    use_case = usecase_get_visible(user=user, pk=pk)
    refuse(usecase_edit_refusal(user=user, use_case=use_case))
    return use_case


@require_GET
def usecase_list(request):
    visible = usecase_list_visible(user=request.user).select_related("team")
    filterset = UseCaseFilter(request.GET, queryset=visible, request=request)
    _label_filters(filterset.form)
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "mine": filterset.form.cleaned_data.get("mine") is True,
        "filtered": any(v for k, v in request.GET.items() if k not in {"page", "mine"}),
    }
    return render(request, "usecases/list.html", context)


def _label_filters(form) -> None:
    form.label_suffix = ""
    form.fields["q"].label = SEARCH_LABEL
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = gettext("Any")
            # The widget keeps a shallow copy of the class-level choices: point it at this field's.
            field.widget.choices = field.choices
    form.fields["q"].widget.input_type = "search"


@require_http_methods(["GET", "POST"])
@refusals_answered(lambda request, **_: reverse("usecases:list"))
@once_per_form
def usecase_new(request):
    refuse(usecase_propose_refusal(user=request.user))
    form = UseCaseForm(_posted(request), user=request.user)
    if request.method == "GET":
        return _render_form(request, form, None)
    return _save(
        request, form, None, lambda data: services.usecase_create(actor=request.user, data=data)
    )


@require_http_methods(["GET", "POST"])
@_refusals_answered
def usecase_edit(request, pk):
    use_case = _editable(request.user, pk)
    form = UseCaseForm(_posted(request), user=request.user, use_case=use_case)
    if request.method == "GET":
        return _render_form(request, form, use_case)
    return _save(
        request,
        form,
        use_case,
        lambda data: services.usecase_update(
            actor=request.user, use_case=use_case, data=data, version=form.read_version
        ),
    )


def _save(request, form, use_case, save):
    """Save the answers as a draft; with action=submit, then submit them."""
    submitting = request.POST.get("action") == "submit"
    if not form.is_valid():
        if submitting:
            form.add_submission_preview()
        return _render_form(request, form, use_case, status=400)
    try:
        use_case = _save_with_models(request, save, form.cleaned_data)
    except ValidationError as error:
        form.add_service_errors(error)
        return _render_form(request, form, use_case, status=400)
    except StaleEdit as error:
        form.add_stale_edit(error)
        return _render_form(request, form, use_case, status=409)
    if submitting:
        return _submit(request, use_case, form)
    messages.success(request, gettext("Draft saved."))
    return redirect("usecases:edit", pk=use_case.pk)


def _save_with_models(request, save, data):
    """The answers (`save`), then the model versions named, in one transaction: a refusal of
    either saves neither."""
    answers = dict(data)
    versions = answers.pop(LINKED_VERSIONS, [])
    with transaction.atomic():
        use_case = save(answers)
        services.usecase_models_set(actor=request.user, use_case=use_case, versions=versions)
    return use_case


def _submit(request, use_case, form=None):
    try:
        use_case = workflows.usecase_submit(actor=request.user, use_case=use_case)
    except ValidationError as error:
        form = form or UseCaseForm(user=request.user, use_case=use_case)
        form.add_service_errors(error)
        # Saved before it was refused: the next save starts from the version just made.
        form.carry_version(use_case.version)
        return _render_form(request, form, use_case, status=400, draft_saved=True)
    messages.success(
        request, gettext("Submitted as revision %(number)s.") % {"number": use_case.revision}
    )
    for gap in workflows.usecase_submit_check(use_case):
        messages.warning(request, gap.once_submitted)
    return redirect("usecases:detail", pk=use_case.pk)


def _render_form(request, form, use_case, *, status=200, draft_saved=False):
    # Once a draft exists the form posts to its edit page, so a second try never creates another.
    action = reverse("usecases:edit", args=[use_case.pk]) if use_case else reverse("usecases:new")
    context = {
        "form": form,
        "use_case": use_case,
        "form_action": action,
        "draft_saved": draft_saved,
        "submit_warnings": _submit_warnings(use_case) if use_case else [],
        "similar": similar_use_cases(use_case, user=request.user) if use_case else None,
    }
    return render(request, "usecases/form.html", context, status=status)


def _submit_warnings(use_case) -> list[str]:
    """What the team should know before submitting the saved answers: the review's seats that
    nobody free of a conflict could take. (The form is shown only while it can be submitted.)"""
    return [gap.before_submitting for gap in workflows.usecase_submit_check(use_case)]


@require_GET
def usecase_detail(request, pk):
    return _render_detail(request, usecase_get_visible(user=request.user, pk=pk))


def _render_detail(
    request,
    use_case,
    *,
    attachment_form=None,
    withdraw_form=None,
    models_form=None,
    link_errors=(),
    status=200,
):
    user = request.user
    context = {
        "use_case": use_case,
        "sections": answers_by_section(use_case),
        "revisions": use_case.revisions.select_related("submitted_by"),
        "attachments": use_case.attachments.select_related("uploaded_by"),
        "can_edit": usecase_edit_refusal(user=user, use_case=use_case) is None,
        "can_submit": use_case.state in services.TRANSITIONS["submit"].sources
        and usecase_submit_refusal(user=user, use_case=use_case) is None,
        "can_withdraw": use_case.state in services.TRANSITIONS["withdraw"].sources
        and usecase_withdraw_refusal(user=user, use_case=use_case) is None,
        "attachment_form": attachment_form or AttachmentForm(),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "related": usecase_links_visible(use_case=use_case, user=user),
        "duplicate_check": usecase_duplicate_check(use_case=use_case),
        "link_errors": link_errors,
        "model_versions": use_case.model_versions.select_related("model__vendor"),
    }
    if context["can_submit"]:
        context["submit_warnings"] = _submit_warnings(use_case)
    if context["can_edit"]:
        # Before it is submitted the team sees what it may duplicate (and links to it instead).
        context["similar"] = similar_use_cases(use_case, user=user)
        context["models_form"] = models_form or ModelVersionsForm(
            initial={LINKED_VERSIONS: list(context["model_versions"])},
            user=user,
            use_case=use_case,
        )
    return render(request, "usecases/detail.html", context, status=status)


@require_POST
@_refusals_answered
def usecase_submit(request, pk):
    return _submit(request, usecase_get_visible(user=request.user, pk=pk))


@require_POST
@_refusals_answered
def usecase_withdraw(request, pk):
    use_case = usecase_get_visible(user=request.user, pk=pk)
    # Before the form: someone who may not withdraw never learns what was wrong with it.
    refuse(usecase_withdraw_refusal(user=request.user, use_case=use_case))
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, use_case, withdraw_form=form, status=400)
    workflows.usecase_withdraw(
        actor=request.user, use_case=use_case, reason=form.cleaned_data["reason"]
    )
    messages.success(request, gettext("The use case was withdrawn."))
    return redirect("usecases:detail", pk=use_case.pk)


@require_POST
@_refusals_answered
def usecase_link(request, pk):
    """ "Link to it instead": the draft duplicates or extends a use case shown as similar."""
    use_case = _editable(request.user, pk)
    try:
        link = services.usecase_link(
            actor=request.user,
            use_case=use_case,
            other_pk=request.POST.get("other", ""),
            kind=request.POST.get("kind", LinkKind.DUPLICATES),
        )
    except ValidationError as error:
        return _render_detail(request, use_case, link_errors=error.messages, status=400)
    messages.success(request, LINKED[link.kind] % {"other": link.other.reference})
    return redirect(reverse("usecases:detail", args=[pk]) + "#related")


@require_POST
@_refusals_answered
def usecase_models_set(request, pk):
    """The inventory's model versions the use case means to use."""
    use_case = _editable(request.user, pk)
    form = ModelVersionsForm(request.POST, user=request.user, use_case=use_case)
    if form.is_valid():
        try:
            services.usecase_models_set(
                actor=request.user, use_case=use_case, versions=form.cleaned_data[LINKED_VERSIONS]
            )
        except ValidationError as error:
            form.add_service_errors(error)
    if form.errors:
        return _render_detail(request, use_case, models_form=form, status=400)
    messages.success(request, gettext("Saved: the models it uses."))
    return redirect(reverse("usecases:detail", args=[pk]) + "#models")


@require_POST
@_refusals_answered
def usecase_duplicates_dismiss(request, pk):
    """ "It is a different use case": the similar ones stop showing for this use case."""
    use_case = _editable(request.user, pk)
    services.usecase_duplicates_dismiss(actor=request.user, use_case=use_case)
    messages.success(
        request, gettext("Noted: this is a different use case. The similar ones are hidden.")
    )
    return redirect("usecases:detail", pk=use_case.pk)


@require_POST
@_refusals_answered
@once_per_form
def attachment_upload(request, pk):
    use_case = _editable(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.user,
                use_case=use_case,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            form.add_service_errors(error)
        else:
            messages.success(request, f"“{attachment.original_name}” attached.")
            return redirect(reverse("usecases:detail", args=[pk]) + "#attachments")
    return _render_detail(request, use_case, attachment_form=form, status=400)


@require_POST
@_refusals_answered
def attachment_remove(request, pk, attachment_pk):
    use_case = _editable(request.user, pk)
    attachment = get_object_or_404(use_case.attachments, pk=attachment_pk)
    services.attachment_remove(actor=request.user, attachment=attachment)
    messages.success(request, f"“{attachment.original_name}” removed.")
    return redirect(reverse("usecases:detail", args=[pk]) + "#attachments")


@require_GET
def attachment_download(request, pk, attachment_pk):
    use_case = usecase_get_visible(user=request.user, pk=pk)
    return attachment_response(get_object_or_404(use_case.attachments, pk=attachment_pk))
