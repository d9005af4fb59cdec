#!/bin/sh
# Generates a password per NATS user and writes the env files the units and compose read:
#   <dir>/nats.env          SYNERGY_<USER>_PASSWORD=... for nats-server (all users, route)
#   <dir>/<service>.env     the service's login (mode 0600):
#                             SYNERGY_NATS=nats://<host>,...   (the servers, no secret)
#                             SYNERGY_NATS_USER=<service>
#                             SYNERGY_NATS_PASSWORD=<password>
#   <dir>/admin.env         the same for the operator's `synergy` CLI over NATS
#   gateway.env and evaluation.env also get SYNERGY_WEBHOOK_SIGNING_KEY=<64 hex>, the one
#   key both derive webhook secrets from (docs/webhooks.md)
#
#   deploy/secrets.sh DIR [HOST:PORT[,HOST:PORT...]]
#   deploy/secrets.sh deploy/secrets nats:4222                          # compose
#   sudo deploy/secrets.sh /etc/synergy 127.0.0.1:4222                  # one machine
#   sudo deploy/secrets.sh /etc/synergy nats-1:4222,nats-2:4222,nats-3:4222
#
# Passwords are "p" + 48 hex digits: nats-server parses an environment value as a config
# token, so a password must start with a letter and be letters and digits only. Existing
# files are never overwritten: delete them to rotate, then `systemctl reload synergy-nats`
# and restart the services.
set -eu
dir=${1:?usage: secrets.sh DIR [HOST:PORT,...]}
hosts=${2:-127.0.0.1:4222}
umask 077
mkdir -p "$dir"
if [ -e "$dir/nats.env" ]; then
  echo "secrets.sh: $dir/nats.env exists; remove the env files first to rotate" >&2
  exit 1
fi
gen() { printf 'p%s' "$(openssl rand -hex 24)"; }
urls() { # comma-separated server URLs, without credentials
  printf '%s' "$hosts" | tr ',' '\n' | sed "s|^|nats://|" | paste -sd, -
}
for user in admin gateway strategy marketing brand information support evaluation route; do
  pw=$(gen)
  upper=$(printf '%s' "$user" | tr '[:lower:]' '[:upper:]')
  printf 'SYNERGY_%s_PASSWORD=%s\n' "$upper" "$pw" >> "$dir/nats.env"
  if [ "$user" != route ]; then
    printf 'SYNERGY_NATS=%s\nSYNERGY_NATS_USER=%s\nSYNERGY_NATS_PASSWORD=%s\n' \
      "$(urls)" "$user" "$pw" > "$dir/$user.env"
  fi
done
# The webhook signing key: the gateway derives each webhook's secret from it (answering
# it to its owner) and the evaluation service signs deliveries with it, so both get it.
key=$(openssl rand -hex 32)
for user in gateway evaluation; do
  printf 'SYNERGY_WEBHOOK_SIGNING_KEY=%s\n' "$key" >> "$dir/$user.env"
done
echo "wrote $dir/nats.env and one env file per user (mode 0600)"
