from tests.support.api import auth_headers


async def test_signup_login_me(client):
    headers = await auth_headers(client, "user123", first_name="Ada")
    me = await client.get("/api/users/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["user_id"] == "user123"
    assert me.json()["first_name"] == "Ada"
