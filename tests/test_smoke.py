import pytest


@pytest.mark.django_db
def test_login_page_renders_in_chinese_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert "登录" in response.content.decode() or "Log in" in response.content.decode()
