"""The inventory's pages: the vendor and model lists, a vendor, a model, and the forms that
add and change them.

Thin views over inventory.selectors and inventory.services. Who may do what is the selectors'
`*_refusal`, asked here before a form is shown or read and by the service again before it
writes: a refused action answers 403, invalid input comes back next to its field.
"""

from typing import TYPE_CHECKING

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

import workflows
from common.errors import refuse
from common.pages import back_to, once_per_form, posted, refusals_answered, saved_or_none
from common.paging import CappedPaginator
from council.models import choice_labels

from . import services
from .choices import Certification
from .filters import AiModelFilter, VendorFilter
from .forms import AiModelForm, VendorForm, VersionForm
from .selectors import (
    model_edit_refusal,
    models_visible,
    models_with_versions,
    proposal_refusal,
    records_as_proposal,
    vendor_create_refusal,
    vendor_edit_refusal,
    vendors_visible,
    versions_of,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 25


def _form_page(request, form, *, status=200, **context):
    """The one page of every inventory form: its title, where it posts, where it goes back."""
    return render(request, "inventory/form.html", {"form": form, **context}, status=status)


def _failed(form) -> int:
    return 409 if form.stale else 400


# --- vendors --------------------------------------------------------------------------------------


def vendor_list(request):
    filterset = VendorFilter(request.GET, queryset=vendors_visible().order_by("name", "id"))
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "can_create": vendor_create_refusal(user=request.user) is None,
    }
    return render(request, "inventory/vendor_list.html", context)


def vendor_detail(request, pk):
    vendor = get_object_or_404(vendors_visible(), pk=pk)
    context = {
        "vendor": vendor,
        "certification_labels": choice_labels(vendor.certifications, Certification),
        "models": models_with_versions().filter(vendor=vendor),
        "can_edit": vendor_edit_refusal(user=request.user) is None,
        "can_propose": proposal_refusal(user=request.user) is None,
    }
    return render(request, "inventory/vendor_detail.html", context)


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("inventory:vendor_list"))
@once_per_form
def vendor_new(request):
    refuse(vendor_create_refusal(user=request.user))
    form = VendorForm(posted(request))
    if request.method == "POST":
        vendor = saved_or_none(
            form, lambda data: services.vendor_create(actor=request.user, data=data)
        )
        if vendor is not None:
            messages.success(
                request, gettext("%(name)s is in the inventory.") % {"name": vendor.name}
            )
            return redirect("inventory:vendor_detail", pk=vendor.pk)
    return _form_page(
        request,
        form,
        status=400 if form.errors else 200,
        title="Add a vendor",
        lede="Answer the assessment once: every team that uses the vendor's models relies on it.",
        action=reverse("inventory:vendor_new"),
        submit="Add the vendor",
        back=reverse("inventory:vendor_list"),
        once=True,
    )


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("inventory:vendor_detail"))
def vendor_edit(request, pk):
    vendor = get_object_or_404(vendors_visible(), pk=pk)
    refuse(vendor_edit_refusal(user=request.user))
    form = VendorForm.for_vendor(posted(request), vendor=vendor)
    if request.method == "POST":
        saved = saved_or_none(
            form,
            lambda data: workflows.vendor_update(
                actor=request.user, vendor=vendor, data=data, version=form.read_version
            ),
        )
        if saved is not None:
            messages.success(request, gettext("Saved."))
            return redirect("inventory:vendor_detail", pk=vendor.pk)
    return _form_page(
        request,
        form,
        status=_failed(form) if form.errors else 200,
        title=f"Edit: {vendor.name}",
        lede="The assessment every team that uses this vendor's models relies on.",
        action=reverse("inventory:vendor_edit", args=[vendor.pk]),
        submit="Save changes",
        back=reverse("inventory:vendor_detail", args=[vendor.pk]),
    )


# --- models ---------------------------------------------------------------------------------------


def model_list(request):
    filterset = AiModelFilter(request.GET, queryset=models_visible().order_by("name", "id"))
    page = CappedPaginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "page": page,
        "can_propose": proposal_refusal(user=request.user) is None,
        "proposes": records_as_proposal(request.user),
    }
    return render(request, "inventory/model_list.html", context)


def model_detail(request, pk):
    model = get_object_or_404(models_visible(), pk=pk)
    user = request.user
    context = {
        "model": model,
        "versions": versions_of(model),
        "can_propose": proposal_refusal(user=user) is None,
        "proposes": records_as_proposal(user),
        # Those who edit a model also confirm what a team proposed (selectors.confirm_refusal).
        "can_edit": model_edit_refusal(user=user) is None,
    }
    return render(request, "inventory/model_detail.html", context)


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("inventory:model_list"))
@once_per_form
def model_new(request):
    refuse(proposal_refusal(user=request.user))
    proposes = records_as_proposal(request.user)
    form = AiModelForm(posted(request), initial={"vendor": request.GET.get("vendor")})
    if request.method == "POST":
        model = saved_or_none(
            form, lambda data: services.model_create(actor=request.user, data=data)
        )
        if model is not None:
            messages.success(request, _recorded(model, RECORDED_MODEL))
            return redirect("inventory:model_detail", pk=model.pk)
    return _form_page(
        request,
        form,
        status=400 if form.errors else 200,
        title="Propose a model" if proposes else "Add a model",
        lede=_PROPOSAL_LEDE if proposes else gettext("A model of a vendor, or one built in-house."),
        action=request.get_full_path(),
        submit="Propose the model" if proposes else "Add the model",
        back=reverse("inventory:model_list"),
        once=True,
    )


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("inventory:model_detail"))
def model_edit(request, pk):
    model = get_object_or_404(models_visible(), pk=pk)
    refuse(model_edit_refusal(user=request.user))
    form = AiModelForm.for_model(posted(request), model=model)
    if request.method == "POST":
        saved = saved_or_none(
            form, lambda data: services.model_update(actor=request.user, model=model, data=data)
        )
        if saved is not None:
            messages.success(request, gettext("Saved."))
            return redirect("inventory:model_detail", pk=model.pk)
    return _form_page(
        request,
        form,
        status=400 if form.errors else 200,
        title=f"Edit: {model}",
        action=reverse("inventory:model_edit", args=[model.pk]),
        submit="Save changes",
        back=reverse("inventory:model_detail", args=[model.pk]),
    )


@require_POST
@refusals_answered(back_to("inventory:model_detail"))
def model_confirm(request, pk):
    model = get_object_or_404(models_visible(), pk=pk)
    services.model_confirm(actor=request.user, model=model)
    messages.success(request, gettext("%(model)s is confirmed.") % {"model": model})
    return redirect("inventory:model_detail", pk=model.pk)


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("inventory:model_detail"))
@once_per_form
def version_new(request, pk):
    model = get_object_or_404(models_visible(), pk=pk)
    refuse(proposal_refusal(user=request.user))
    proposes = records_as_proposal(request.user)
    form = VersionForm(posted(request))
    if request.method == "POST":
        version = saved_or_none(
            form,
            lambda data: services.version_record(actor=request.user, model=model, data=data),
        )
        if version is not None:
            messages.success(request, _recorded(version, RECORDED_VERSION))
            return redirect("inventory:model_detail", pk=model.pk)
    return _form_page(
        request,
        form,
        status=400 if form.errors else 200,
        title=f"{'Propose' if proposes else 'Record'} a version of {model}",
        lede=_PROPOSAL_LEDE if proposes else "",
        action=reverse("inventory:version_new", args=[model.pk]),
        submit="Propose the version" if proposes else "Record the version",
        back=reverse("inventory:model_detail", args=[model.pk]),
        once=True,
    )


@require_http_methods(["GET", "POST"])
@refusals_answered(back_to("inventory:model_detail"))
def version_edit(request, pk, version_pk):
    model = get_object_or_404(models_visible(), pk=pk)
    version = get_object_or_404(model.versions, pk=version_pk)
    refuse(model_edit_refusal(user=request.user))
    form = VersionForm.for_version(posted(request), version=version)
    if request.method == "POST":
        saved = saved_or_none(
            form,
            lambda data: services.version_update(actor=request.user, version=version, data=data),
        )
        if saved is not None:
            messages.success(request, gettext("Saved."))
            return redirect("inventory:model_detail", pk=model.pk)
    return _form_page(
        request,
        form,
        status=400 if form.errors else 200,
        title=f"Edit version {version.version} of {model}",
        action=reverse("inventory:version_edit", args=[model.pk, version.pk]),
        submit="Save changes",
        back=reverse("inventory:model_detail", args=[model.pk]),
    )


@require_POST
@refusals_answered(back_to("inventory:model_detail"))
def version_confirm(request, pk, version_pk):
    model = get_object_or_404(models_visible(), pk=pk)
    version = get_object_or_404(model.versions, pk=version_pk)
    services.version_confirm(actor=request.user, version=version)
    messages.success(
        request, gettext("Version %(version)s is confirmed.") % {"version": version.version}
    )
    return redirect("inventory:model_detail", pk=model.pk)


@require_POST
@refusals_answered(back_to("inventory:model_detail"))
def version_roll_out(request, pk, version_pk):
    """Roll a confirmed version out to every deployment of the model (asked for on the fan-out
    page, which shows what it reaches); then that page shows the reviews it opened."""
    model = get_object_or_404(models_visible(), pk=pk)
    version = get_object_or_404(model.versions, pk=version_pk)
    fan_out = workflows.model_version_roll_out(actor=request.user, version=version)
    reached = len(fan_out.rows)
    teams = len({row.deployment.use_case.team_id for row in fan_out.rows})
    entries = ngettext("%(count)d registry entry", "%(count)d registry entries", reached) % {
        "count": reached
    }
    of_teams = ngettext("%(count)d team", "%(count)d teams", teams) % {"count": teams}
    messages.success(
        request,
        gettext(
            "Version %(version)s rolled out to %(entries)s of %(teams)s: each one's change "
            "review is open."
        )
        % {"version": version.version, "entries": entries, "teams": of_teams},
    )
    return redirect("version_fan_out", model_pk=model.pk, pk=version.pk)


_PROPOSAL_LEDE = gettext_lazy(
    "Your team proposes it; the council confirms it before it counts as part of the inventory."
)
# What the page says once a model or a version is saved: (proposed, recorded).
RECORDED_MODEL = (
    gettext_lazy("The model is proposed: the council will confirm it."),
    gettext_lazy("The model is recorded."),
)
RECORDED_VERSION = (
    gettext_lazy("The version is proposed: the council will confirm it."),
    gettext_lazy("The version is recorded."),
)


def _recorded(record, words: tuple["StrOrPromise", "StrOrPromise"]) -> str:
    proposed, recorded = words
    return str(proposed if record.proposed else recorded)
