from django.core.paginator import Paginator
from django.shortcuts import redirect, render

from .models import Notification
from .notifications import mark_read, unread_count


def notifications(request):
    """The in-app list; POST marks one (id) or all as read."""
    if request.method == "POST":
        ids = None if request.POST.get("all") else request.POST.getlist("id")
        mark_read(user=request.user, notification_ids=ids)
        return redirect("notifications")
    page = Paginator(Notification.objects.filter(user=request.user), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "council/notifications.html",
        {"page_obj": page, "unread": unread_count(request.user)},
    )
