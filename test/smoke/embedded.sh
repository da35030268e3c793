#!/usr/bin/env bash
# Smoke test of the embedded mode: `npm start` with no DATABASE_URL (PGlite under a fresh DATA_DIR),
# then a client, a token, an authenticated Environment API call, and a clean SIGTERM shutdown.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=$(mktemp -d)
port=$(( 20000 + RANDOM % 20000 ))
log="$dir/server.log"
# node directly (not `npm start`): npm does not pass SIGTERM on, and the shutdown is under test
env -u DATABASE_URL PORT=$port DATA_DIR="$dir/data" NODE_ENV=test node_modules/.bin/node src/main.ts >"$log" 2>&1 &
pid=$!
cleanup() { kill "$pid" 2>/dev/null || true; }
trap cleanup EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
curl -fs "$base/readyz" | grep -q '"ready"' || { echo "embedded smoke: server never became ready"; cat "$log"; exit 1; }
grep -q 'ccauth listening on' "$log" || { echo "embedded smoke: no start-up line"; cat "$log"; exit 1; }
grep -q 'default ops credentials' "$log" || { echo "embedded smoke: no default-credentials warning"; cat "$log"; exit 1; }
created=$(curl -fs -u ops:ops -H 'Content-Type: application/json' "$base/auth/v3/ops/clients" \
  -d '{"data":{"client_id":"smoke","client_secret":"smoke-secret-1","scope":["*"],"internalClient":true,"authorities":["ROLE_INTERNAL_CLIENT"],"authorizedGrantTypes":["password","refresh_token"]}}')
echo "$created" | grep -q '"code":0' || { echo "embedded smoke: client create failed: $created"; exit 1; }
token=$(curl -fs -u smoke:smoke-secret-1 "$base/auth/v3/oauth/token" -d grant_type=password -d username=ops -d password=ops)
at=$(echo "$token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[ -n "$at" ] || { echo "embedded smoke: no token: $token"; exit 1; }
envs=$(curl -fs -H "Authorization: bearer $at" "$base/environment/v3/environments")
echo "$envs" | grep -q '"code":0' || { echo "embedded smoke: environment API refused the token: $envs"; exit 1; }
kill -TERM "$pid"
wait "$pid" && code=0 || code=$?
[ "$code" = 0 ] || { echo "embedded smoke: exit code $code after SIGTERM"; cat "$log"; exit 1; }
grep -q '"msg":"stopped"' "$log" || { echo "embedded smoke: no clean stop"; cat "$log"; exit 1; }
rm -rf "$dir"
echo "embedded smoke: ok (PGlite start, client, password grant, Environment API, SIGTERM)"
