"""The fan-out of a model version (`/models/<id>/versions/<id>/fan-out/`): read here, across the
registry and the reviews; the roll-out itself is posted to the inventory's page
(inventory.views.version_roll_out)."""

from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from inventory.models import ModelVersion
from inventory.selectors import roll_out_refusal

from .fan_out import version_fan_out


@require_GET
def version_fan_out_page(request, model_pk, pk):
    version = get_object_or_404(
        ModelVersion.objects.select_related("model__vendor"), pk=pk, model_id=model_pk
    )
    context = {
        "fan_out": version_fan_out(version=version, user=request.user),
        "can_roll_out": roll_out_refusal(user=request.user, version=version) is None,
    }
    return render(request, "oversight/fan_out.html", context)
