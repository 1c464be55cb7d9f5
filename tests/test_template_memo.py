"""The project's `{% url %}` (a template builtin) and `{% load memoized_i18n %}` (pointsadmin/templatetags/) keep
what they work out: every template must render exactly as with Django's own tags, in each language, under any
script prefix."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import Context, Engine, engines
from django.template.backends.django import DjangoTemplates
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, resolve, set_script_prefix
from django.utils import translation

SOURCE = """{% load LIBRARY %}
[{% translate "Points Admin" %}] [{% trans "Search" %}] [{% translate "Members" noop %}]
[{% translate "No members match these filters." as message %}{{ message }}]
[{% translate title %}] [{% translate "Search"|upper %}] [{% translate "Search" context "verb" %}]
[{% translate "100%% sure <b>bold</b>" %}] [{% translate '<i>"quoted"</i>' %}]
{% autoescape off %}[{% translate "Points Admin" %}] [{% url 'ledger:rankings' %}]{% endautoescape %}
[{% url 'home' %}] [{% url 'ledger:member_search' %}] [{% url 'audit_log' as audit %}{{ audit }}]
[{% url 'ledger:member_detail' 7 "openid&<x>" %}] [{% url route %}] [{% url 'no-such-route' as missing %}{{ missing }}]
[{% blocktranslate count total=3 %}{{ total }} record{% plural %}{{ total }} records{% endblocktranslate %}]
"""


def _stock_engine() -> Engine:
    # Django's tags only: the project's TEMPLATES options without the memoized builtin, and no memoized_i18n.
    options = {**settings.TEMPLATES[0]["OPTIONS"]}
    options.pop("builtins", None)
    options.pop("libraries", None)
    options.pop("context_processors", None)
    params = {"APP_DIRS": False, **settings.TEMPLATES[0], "NAME": "stock", "OPTIONS": options}
    params.pop("BACKEND")
    return DjangoTemplates(params).engine


def _source(engine: Engine) -> str:
    # Django's i18n for the stock engine (no memoized builtin), the project's memoized_i18n otherwise.
    return SOURCE.replace("LIBRARY", "memoized_i18n" if "pointsadmin" in str(engine.builtins) else "i18n")


def _render(engine: Engine, language: str, **context: object) -> str:
    request = RequestFactory().get("/balances/")
    request.resolver_match = resolve("/balances/")
    values = {"title": "Search", "route": "ledger:shop_ledger", **context}
    with translation.override(language):
        return engine.from_string(_source(engine)).render(Context(values | {"request": request}))


def _project_engine() -> Engine:
    return engines["django"].engine


def test_the_project_uses_the_memoized_tags():
    nodes = _project_engine().from_string(_source(_project_engine())).nodelist
    names = {type(node).__name__ for node in nodes}
    assert {"MemoizedTranslateNode", "MemoizedURLNode"} <= names


@pytest.mark.parametrize("languages", [["zh-hans", "en", "zh-hans"], ["en", "zh-hans", "en"]])
def test_pages_render_as_with_djangos_tags_in_every_language(languages):
    for language in languages:  # twice each: the first render fills the memo, the second reads it
        first = _render(_project_engine(), language)
        assert first == _render(_stock_engine(), language)
        assert _render(_project_engine(), language) == first
    assert "积分管理后台" in _render(_project_engine(), "zh-hans")
    assert "Points Admin" in _render(_project_engine(), "en")


def test_urls_follow_the_script_prefix():
    # Behind a proxy that mounts the dashboard under a path, every link carries that path.
    try:
        plain = _render(_project_engine(), "en")
        set_script_prefix("/points/")
        prefixed = _render(_project_engine(), "en")
        assert prefixed == _render(_stock_engine(), "en")
        assert "[/points/balances/]" in prefixed
        assert "[/balances/]" in plain
    finally:
        set_script_prefix("/")


def test_a_missing_route_still_fails_loudly_and_is_not_remembered():
    template = _project_engine().from_string("{% url 'no-such-route' %}")
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            template.render(Context({}))


def test_changed_translations_settings_are_honoured():
    # override_settings(LANGUAGE_CODE/LANGUAGES/LOCALE_PATHS) makes Django reload its catalogues; the memo
    # must not keep serving the old text.
    template = _project_engine().from_string('{% load memoized_i18n %}{% translate "Points Admin" %}')
    with translation.override("zh-hans"):
        assert template.render(Context({})) == "积分管理后台"
    with override_settings(LOCALE_PATHS=[]), translation.override("zh-hans"):
        assert template.render(Context({})) == _stock_engine().from_string(
            '{% load i18n %}{% translate "Points Admin" %}'
        ).render(Context({}))
