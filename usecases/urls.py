from django.urls import path

from . import views

app_name = "usecases"
urlpatterns = [
    path("", views.usecase_list, name="list"),
    path("new/", views.usecase_new, name="new"),
    path("<int:pk>/", views.usecase_detail, name="detail"),
    path("<int:pk>/edit/", views.usecase_edit, name="edit"),
    path("<int:pk>/submit/", views.usecase_submit, name="submit"),
    path("<int:pk>/withdraw/", views.usecase_withdraw, name="withdraw"),
    path("<int:pk>/link/", views.usecase_link, name="link"),
    path("<int:pk>/models/", views.usecase_models_set, name="models_set"),
    path("<int:pk>/not-a-duplicate/", views.usecase_duplicates_dismiss, name="duplicates_dismiss"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    # The API links to this download URL (usecases.serializers.AttachmentSerializer).
    path(
        "<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:pk>/attachments/<int:attachment_pk>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
]
