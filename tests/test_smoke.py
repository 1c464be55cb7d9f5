import pytest


@pytest.mark.django_db
def test_login_page_renders_in_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode() or "Log in" in response.content.decode()


@pytest.mark.django_db
def test_a_browser_tab_names_the_page_then_the_dashboard(client):
    html = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<title>登录 · 积分管理后台</title>" in html
