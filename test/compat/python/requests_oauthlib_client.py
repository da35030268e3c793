"""requests-oauthlib (OAuth2Session over oauthlib) against ccauth, configured as its
documentation's "Backend Application", "Legacy Application" and "Web Application" flows show.

Driven by test/compat/python.test.ts. Usage: requests_oauthlib_client.py COMMAND, where COMMAND is
one of client_credentials_basic | client_credentials_post | password_refresh | authorize | exchange.
Input from the environment: CCAUTH_ISSUER, CLIENT_ID, CLIENT_SECRET, and per command
LOGIN/PASSWORD (password_refresh), REDIRECT_URI (authorize, exchange), CALLBACK_URL, STATE,
CODE_VERIFIER, NONCE (exchange). oauthlib refuses plain http unless OAUTHLIB_INSECURE_TRANSPORT=1
(the caller sets it: the test issuer is http://localhost). Prints one JSON object on stdout.

requests-oauthlib 1.3 has no PKCE option: the documented way is to pass code_challenge /
code_challenge_method to authorization_url and code_verifier to fetch_token (extra parameters).
The ID token is validated with authlib.jose (requests-oauthlib does not validate ID tokens).
"""
import base64
import hashlib
import json
import os
import secrets
import sys

import requests
from oauthlib.oauth2 import BackendApplicationClient, LegacyApplicationClient
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

ISSUER = os.environ["CCAUTH_ISSUER"]
CLIENT_ID = os.environ["CLIENT_ID"]
CLIENT_SECRET = os.environ["CLIENT_SECRET"]


def metadata():
    res = requests.get(ISSUER + "/.well-known/openid-configuration", timeout=15)
    res.raise_for_status()
    return res.json()


def userinfo(session):
    res = session.get(ISSUER + "/auth/v3/userinfo", timeout=15)
    return {"status": res.status_code, "body": res.json()}


def client_credentials(in_body):
    meta = metadata()
    oauth = OAuth2Session(client=BackendApplicationClient(client_id=CLIENT_ID))
    if in_body:
        token = oauth.fetch_token(token_url=meta["token_endpoint"], client_id=CLIENT_ID, client_secret=CLIENT_SECRET, include_client_id=True)
    else:
        # the documented call: requests-oauthlib sends client_id/client_secret as HTTP Basic
        token = oauth.fetch_token(token_url=meta["token_endpoint"], client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    return {"token": token, "userinfo_status": oauth.get(ISSUER + "/auth/v3/userinfo", timeout=15).status_code}


def password_refresh():
    meta = metadata()
    oauth = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))
    token = oauth.fetch_token(token_url=meta["token_endpoint"], username=os.environ["LOGIN"], password=os.environ["PASSWORD"], client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    info = userinfo(oauth)
    refreshed = oauth.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"], auth=HTTPBasicAuth(CLIENT_ID, CLIENT_SECRET))
    return {"token": token, "userinfo": info, "refreshed": refreshed, "userinfo_after_refresh": userinfo(oauth)}


def authorize():
    meta = metadata()
    oauth = OAuth2Session(CLIENT_ID, redirect_uri=os.environ["REDIRECT_URI"], scope=["openid", "profile", "email"])
    code_verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).rstrip(b"=").decode()
    nonce = secrets.token_urlsafe(16)
    url, state = oauth.authorization_url(meta["authorization_endpoint"], code_challenge=challenge, code_challenge_method="S256", nonce=nonce)
    return {"url": url, "state": state, "code_verifier": code_verifier, "nonce": nonce}


def exchange():
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

    meta = metadata()
    oauth = OAuth2Session(CLIENT_ID, redirect_uri=os.environ["REDIRECT_URI"], scope=["openid", "profile", "email"], state=os.environ["STATE"])
    token = oauth.fetch_token(meta["token_endpoint"], authorization_response=os.environ["CALLBACK_URL"], client_secret=CLIENT_SECRET, code_verifier=os.environ["CODE_VERIFIER"])
    jwks = requests.get(meta["jwks_uri"], timeout=15).json()
    claims = jwt.decode(
        token["id_token"],
        JsonWebKey.import_key_set(jwks),
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
        claims_params={"nonce": os.environ["NONCE"], "client_id": CLIENT_ID, "access_token": token["access_token"]},
    )
    claims.validate()
    info = oauth.get(meta["userinfo_endpoint"], timeout=15)
    return {"token": token, "id_token_claims": dict(claims), "userinfo": {"status": info.status_code, "body": info.json()}}


COMMANDS = {
    "client_credentials_basic": lambda: client_credentials(False),
    "client_credentials_post": lambda: client_credentials(True),
    "password_refresh": password_refresh,
    "authorize": authorize,
    "exchange": exchange,
}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](), default=str))
