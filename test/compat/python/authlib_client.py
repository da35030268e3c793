"""Authlib's requests client (authlib.integrations.requests_client.OAuth2Session) against ccauth,
configured as Authlib's "OAuth 2 Session" documentation shows.

Driven by test/compat/python.test.ts. Usage: authlib_client.py COMMAND, where COMMAND is one of
  client_credentials_basic | client_credentials_post | password_refresh | authorize | exchange
Input from the environment: CCAUTH_ISSUER, CLIENT_ID, CLIENT_SECRET, and per command
LOGIN/PASSWORD (password_refresh), REDIRECT_URI (authorize, exchange), CALLBACK_URL, STATE,
CODE_VERIFIER, NONCE (exchange). Prints one JSON object on stdout; an exception exits non-zero
with the traceback on stderr.
"""
import json
import os
import sys

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

ISSUER = os.environ["CCAUTH_ISSUER"]
CLIENT_ID = os.environ["CLIENT_ID"]
CLIENT_SECRET = os.environ["CLIENT_SECRET"]


def metadata():
    """OpenID Connect discovery (what Authlib's framework clients do with server_metadata_url)."""
    res = requests.get(ISSUER + "/.well-known/openid-configuration", timeout=15)
    res.raise_for_status()
    return res.json()


def userinfo(session, meta):
    """The Genesys user details, with the session's token (Authlib adds the Bearer header)."""
    res = session.get(ISSUER + "/auth/v3/userinfo", timeout=15)
    return {"status": res.status_code, "body": res.json()}


def client_credentials(method):
    meta = metadata()
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method=method)
    token = client.fetch_token(meta["token_endpoint"], grant_type="client_credentials")
    return {"token": token}


def password_refresh():
    meta = metadata()
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET)
    token = client.fetch_token(meta["token_endpoint"], username=os.environ["LOGIN"], password=os.environ["PASSWORD"])
    info = userinfo(client, meta)
    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    return {"token": token, "userinfo": info, "refreshed": refreshed, "userinfo_after_refresh": userinfo(client, meta)}


def authorize():
    meta = metadata()
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="openid profile email", redirect_uri=os.environ["REDIRECT_URI"], code_challenge_method="S256")
    code_verifier = generate_token(48)
    nonce = generate_token(20)
    url, state = client.create_authorization_url(meta["authorization_endpoint"], code_verifier=code_verifier, nonce=nonce)
    return {"url": url, "state": state, "code_verifier": code_verifier, "nonce": nonce}


def exchange():
    meta = metadata()
    client = OAuth2Session(CLIENT_ID, CLIENT_SECRET, scope="openid profile email", redirect_uri=os.environ["REDIRECT_URI"], state=os.environ["STATE"])
    token = client.fetch_token(meta["token_endpoint"], authorization_response=os.environ["CALLBACK_URL"], code_verifier=os.environ["CODE_VERIFIER"])
    # ID token validation (OpenID Connect Core 3.1.3.7) with authlib.jose against the JWKS
    jwks = requests.get(meta["jwks_uri"], timeout=15).json()
    claims = jwt.decode(
        token["id_token"],
        JsonWebKey.import_key_set(jwks),
        claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
        claims_params={"nonce": os.environ["NONCE"], "client_id": CLIENT_ID, "access_token": token["access_token"]},
    )
    claims.validate()
    info = requests.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer " + token["access_token"]}, timeout=15)
    return {"token": token, "id_token_claims": dict(claims), "header_alg": claims.header["alg"], "userinfo": {"status": info.status_code, "body": info.json()}}


COMMANDS = {
    "client_credentials_basic": lambda: client_credentials("client_secret_basic"),
    "client_credentials_post": lambda: client_credentials("client_secret_post"),
    "password_refresh": password_refresh,
    "authorize": authorize,
    "exchange": exchange,
}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](), default=str))
