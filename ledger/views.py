"""Placeholder until the ledger pages land (issue 4)."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pointsadmin import roles


@permission_required(roles.PERM_LOOKUP_MEMBER, raise_exception=True)
def member_search(request: HttpRequest) -> HttpResponse:
    return render(request, "ledger/member_search.html", {"query": request.GET.get("q", "")[:200]})
