"""Webhook subscriptions are kept in the admin (staff), each change audited as every admin
change is (its secret kept out); the deliveries are their log, read-only, with a replay."""

from django import forms
from django.contrib import admin, messages

from council.admin import AuditedAdmin

from . import services
from .addresses import destination_refusal
from .models import EventType, WebhookDelivery, WebhookSubscription


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        choices=EventType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None chosen: every event.",
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "format", "event_types", "team", "role", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        refusal = destination_refusal(url)
        if refusal:
            raise forms.ValidationError(refusal)
        return url


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(AuditedAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "format", "team", "role", "active"]
    list_filter = ["format", "active", "role"]
    readonly_fields = ["secret", "created_at"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "event_type", "subscription", "attempts", "last_status", "delivered_at",
        "failed_at", "replay_of",
    ]  # fmt: skip
    list_filter = ["event_type", "subscription"]
    search_fields = ["event_id"]
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again (a replay of the same event)")
    def send_again(self, request, queryset):
        for delivery in queryset.select_related("subscription"):
            services.replay(actor=request.user, delivery=delivery)
        self.message_user(request, f"{queryset.count()} sent again.", messages.SUCCESS)
