"""The top bar's Python tags, and {% mobile %}, draw what the template markup they replaced drew."""

from __future__ import annotations

import re

import pytest
from django.template import engines
from django.test import RequestFactory
from django.utils import translation

from audit.records import mask_mobile
from pointsadmin.context_processors import navigation

# The markup of base.html before the tags, as Django renders it.
TEMPLATE_NAV = """{% load memoized_i18n %}
    {% if can.lookup %}<a href="{% url 'ledger:member_search' %}" class="{% if nav_section == 'members' %}active{% endif %}">{% translate "Members" %}</a>{% endif %}
    {% if can.rankings %}<a href="{% url 'ledger:rankings' %}" class="{% if nav_section == 'rankings' %}active{% endif %}">{% translate "Rankings" %}</a>{% endif %}
    {% if can.shop_ledger %}<a href="{% url 'ledger:shop_ledger' %}" class="{% if nav_section == 'ledger' %}active{% endif %}">{% translate "Shop ledger" %}</a>{% endif %}
    {% if can.export %}<a href="{% url 'exports:list' %}" class="{% if nav_section == 'exports' %}active{% endif %}">{% translate "My exports" %}</a>{% endif %}
    {% if can.manage_connections %}<a href="{% url 'connections:list' %}" class="{% if nav_section == 'connections' %}active{% endif %}">{% translate "Connections" %}</a>{% endif %}
    {% if can.view_audit %}<a href="{% url 'audit_log' %}" class="{% if nav_section == 'audit' %}active{% endif %}">{% translate "Audit log" %}</a>{% endif %}
"""  # noqa: E501
TEMPLATE_LANGUAGES = """{% load memoized_i18n %}{% get_current_language as LANGUAGE_CODE %}
    <form class="lang-switch" action="{% url 'set_language' %}" method="post">
      {% csrf_token %}
      <input type="hidden" name="next" value="{{ request.get_full_path }}">
      {% get_available_languages as LANGUAGES %}
      {% for code, label in LANGUAGES %}
        <button type="submit" name="language" value="{{ code }}" class="link-button{% if code == LANGUAGE_CODE %} current{% endif %}"
                {% if code == LANGUAGE_CODE %}aria-current="true"{% endif %}>{% if code == "zh-hans" %}中文{% else %}English{% endif %}</button>
      {% endfor %}
    </form>
"""  # noqa: E501


def _normalised(html: str) -> str:
    """Whitespace does not matter between tags or attributes."""
    html = re.sub(r"\s+", " ", html).strip()
    return re.sub(r"\s*>\s*", ">", re.sub(r"\s*<", "<", html))


def _render(source: str, request: object, extra: dict[str, object]) -> str:
    return engines["django"].from_string(source).render(extra, request=request)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("section", ["members", "rankings", "ledger", "exports", "connections", "audit", None])
def test_the_tags_draw_what_the_template_drew(support_user, manager_user, admin_user, language, section):
    for user in (support_user, manager_user, admin_user):
        request = RequestFactory().get("/members/", {"q": '"><script>', "page": "2"})
        request.user = user
        with translation.override(language):
            context = {"nav_section": section, **navigation(request)}
            for old, new in ((TEMPLATE_NAV, "{% load topbar %}{% main_nav %}"),
                             (TEMPLATE_LANGUAGES, "{% load topbar %}{% language_switch %}")):  # fmt: skip
                expected, drawn = _render(old, request, context), _render(new, request, context)
                # The CSRF token is masked afresh on every render: compared apart from its value.
                token = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+"')
                assert token.search(expected) or old is TEMPLATE_NAV
                assert _normalised(token.sub(r'\1"', drawn)) == _normalised(token.sub(r'\1"', expected))
                assert "<script>" not in drawn


# ledger/_mobile.html, which the {% mobile %} tag included before it wrote the markup itself.
TEMPLATE_MOBILE = """{% load memoized_i18n %}<span class="mobile"><span class="mono">{{ masked }}</span>{% if can_reveal %}
<form class="reveal-form" method="post" action="{% url 'ledger:reveal_mobile' %}"
      hx-post="{% url 'ledger:reveal_mobile' %}" hx-target="closest .mobile" hx-swap="outerHTML">
  <input type="hidden" name="connection_id" value="{{ connection_id }}">
  <input type="hidden" name="member_id" value="{{ member_id }}">
  <button type="submit" class="link-button">{% translate "reveal" %}</button>
</form>{% endif %}</span>"""  # noqa: E501


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("may_reveal", [True, False])
@pytest.mark.parametrize(("connection_id", "member_id"), [(3, '10"0<01>'), (None, "100001"), (3, "")])
def test_the_mobile_tag_draws_what_its_template_drew(language, may_reveal, connection_id, member_id):
    context = {"can": {"reveal_mobile": may_reveal}, "value": "13800001111", "cid": connection_id, "mid": member_id}
    with translation.override(language):
        drawn = _render("{% load ledger_tags %}{% mobile value cid mid %}", None, context)
        expected = _render(
            TEMPLATE_MOBILE,
            None,
            {
                "masked": mask_mobile("13800001111"),
                "can_reveal": may_reveal and connection_id is not None and bool(member_id),
                "connection_id": connection_id,
                "member_id": member_id,
            },
        )
    assert _normalised(drawn) == _normalised(expected)
    assert "13800001111" not in drawn
    assert ("reveal-form" in drawn) == (may_reveal and connection_id is not None and bool(member_id))
