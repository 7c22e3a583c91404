from django.urls import path

from blackcanyon.organizers import views

# Mounted at /o/. Fixed paths come before <organizer_slug>; services.RESERVED_SLUGS keeps
# organizers from taking them.
app_name = "organizers"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.organizer_new, name="new"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("<slug:organizer_slug>/", views.dashboard, name="dashboard"),
    path("<slug:organizer_slug>/settings/", views.settings_edit, name="settings"),
    path("<slug:organizer_slug>/team/", views.team, name="team"),
    path("<slug:organizer_slug>/team/invite/", views.team_invite, name="team_invite"),
    path(
        "<slug:organizer_slug>/team/members/<int:membership_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "<slug:organizer_slug>/team/members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "<slug:organizer_slug>/team/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
