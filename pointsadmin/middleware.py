"""Django's login requirement, asking about the view before the user."""

from __future__ import annotations

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """A view open to everyone never reads the user: with the database down, /healthz must still answer 503 and
    say so to a logged-in browser or monitor (Django's reads the user from the database first)."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
