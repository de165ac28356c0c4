"""The browsable API docs page (its own module: drf-spectacular's views import the schema class
in common/schema.py, which may not import them back)."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import NotAuthenticated, PermissionDenied


class ApiDocsView(SpectacularSwaggerSplitView):
    """The browsable docs: a visitor who is not logged in is sent to the login page and back,
    as on every other page (the schema itself answers 401/403 like the rest of the API)."""

    def handle_exception(self, exc):
        if isinstance(exc, NotAuthenticated | PermissionDenied) and not (
            self.request.user and self.request.user.is_authenticated
        ):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
