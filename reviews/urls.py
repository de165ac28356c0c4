from django.urls import path

from . import views

app_name = "reviews"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/checklist/<int:item_pk>/answer/", views.checklist_answer, name="answer"),
    path("<int:pk>/checklist/<int:item_pk>/verify/", views.checklist_verify, name="verify"),
    path(
        "<int:pk>/checklist/sections/<slug:section>/",
        views.checklist_section,
        name="checklist_section",
    ),
    path(
        "<int:pk>/checklist/answers/<int:answer_pk>/file/",
        views.checklist_evidence_file,
        name="evidence_file",
    ),
    path("<int:pk>/vote/", views.vote, name="vote"),
    path("<int:pk>/recuse/", views.recuse, name="recuse"),
    path("<int:pk>/conditions/<int:condition_pk>/meet/", views.condition_meet, name="meet"),
    path("<int:pk>/conditions/<int:condition_pk>/waive/", views.condition_waive, name="waive"),
    path(
        "<int:pk>/conditions/<int:condition_pk>/confirm/",
        views.condition_confirm,
        name="confirm",
    ),
    path(
        "<int:pk>/conditions/<int:condition_pk>/file/",
        views.condition_evidence_file,
        name="condition_file",
    ),
    path("<int:pk>/comments/", views.comment, name="comment"),
    path("<int:pk>/decision/", views.decide, name="decide"),
    path("<int:pk>/reassign/", views.reassign, name="reassign"),
]
