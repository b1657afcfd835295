#!/usr/bin/env bash
# Sets PrintRelay up on this machine and prints a first document end to end, on the embedded
# default: the cloud (SQLite + a local ciphertext folder, HTTPS with a CA made here), a private
# cupsd with a virtual network printer, and an enrolled agent. Everything lives in .demo/.
#
#   scripts/demo.sh          set up (installing what is missing), build, start, print a document
#   scripts/demo.sh stop     stop the demo's processes
#
# Safe to run again: it stops what it started before and reuses the store, keys and enrollment.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEMO=$ROOT/.demo
CLOUD_PORT=${PRINTRELAY_DEMO_CLOUD_PORT:-18443}
PRINTER_PORT=${PRINTRELAY_DEMO_PRINTER_PORT:-19100}
BUILD=$ROOT/build/default

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

stop_all() {
  for name in agent cloud printer cupsd; do
    local pidfile=$DEMO/run/$name.pid
    if [ -f "$pidfile" ]; then
      local pid
      pid=$(cat "$pidfile")
      if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
      rm -f "$pidfile"
    fi
  done
}

start_bg() { # name, command...
  local name=$1
  shift
  setsid "$@" >"$DEMO/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$DEMO/run/$name.pid"
}

wait_for() { # description, test command...
  local what=$1
  shift
  for _ in $(seq 100); do
    if "$@" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "timed out waiting for $what; see $DEMO/logs/" >&2
  exit 1
}

if [ "${1:-}" = "stop" ]; then
  stop_all
  echo "stopped"
  exit 0
fi

say "installing what is missing"
scripts/test-deps.sh

say "building"
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target printrelay-cloud printrelay-agent printrelay

stop_all
mkdir -p "$DEMO"/{tls,cloud,agent,run,logs,printed,cups/conf,cups/spool,cups/cache,cups/state,cups/log,cups/tmp}
chmod 700 "$DEMO/agent" "$DEMO/cloud"

say "TLS: a local CA and a certificate for 127.0.0.1"
if [ ! -f "$DEMO/tls/server.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 365 \
    -subj "/CN=PrintRelay demo CA" -keyout "$DEMO/tls/ca.key" -out "$DEMO/tls/ca.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$DEMO/tls/server.key" -out "$DEMO/tls/server.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$DEMO/tls/ext.cnf"
  openssl x509 -req -in "$DEMO/tls/server.csr" -CA "$DEMO/tls/ca.pem" -CAkey "$DEMO/tls/ca.key" \
    -CAcreateserial -days 365 -extfile "$DEMO/tls/ext.cnf" -out "$DEMO/tls/server.pem" 2>/dev/null
  chmod 600 "$DEMO/tls/"*.key
fi

say "a private cupsd with a virtual printer"
CUPS=$DEMO/cups
cat >"$CUPS/conf/cupsd.conf" <<CONF
Listen $CUPS/cups.sock
LogLevel warn
FileDevice Yes
Browsing Off
WebInterface No
DefaultAuthType None
# Documents are deleted from the spool as soon as their job ends.
PreserveJobFiles No
PreserveJobHistory Yes
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
cat >"$CUPS/conf/cups-files.conf" <<CONF
ServerRoot $CUPS/conf
RequestRoot $CUPS/spool
CacheDir $CUPS/cache
StateDir $CUPS/state
TempDir $CUPS/tmp
ErrorLog $CUPS/log/error_log
AccessLog $CUPS/log/access_log
PageLog $CUPS/log/page_log
LogFilePerm 0644
Sandboxing relaxed
SystemGroup root
User lp
Group lp
CONF
chmod 755 "$DEMO" "$CUPS" "$CUPS"/*
start_bg printer python3 scripts/virtual-printer.py --port "$PRINTER_PORT" --out "$DEMO/printed"
start_bg cupsd cupsd -f -c "$CUPS/conf/cupsd.conf" -s "$CUPS/conf/cups-files.conf"
wait_for "cupsd" test -S "$CUPS/cups.sock"
wait_for "cupsd to answer" lpstat -h "$CUPS/cups.sock" -r
lpadmin -h "$CUPS/cups.sock" -p demo-printer -D "PrintRelay demo printer" \
  -v "socket://127.0.0.1:$PRINTER_PORT" -E

say "the cloud on https://127.0.0.1:$CLOUD_PORT"
[ -f "$DEMO/cloud/admin.token" ] || (umask 077 && openssl rand -hex 32 >"$DEMO/cloud/admin.token")
ADMIN_TOKEN=$(cat "$DEMO/cloud/admin.token")
cat >"$DEMO/cloud/cloud.conf" <<CONF
listen = 127.0.0.1:$CLOUD_PORT
data_dir = $DEMO/cloud
tls_cert = $DEMO/tls/server.pem
tls_key = $DEMO/tls/server.key
CONF
PRINTRELAY_CLOUD_ADMIN_TOKEN=$ADMIN_TOKEN start_bg cloud "$BUILD/cloud/printrelay-cloud" --config "$DEMO/cloud/cloud.conf"
wait_for "the cloud" grep -q '^listening' "$DEMO/logs/cloud.log"
URL=https://127.0.0.1:$CLOUD_PORT
# The CLI takes the cloud and its CA from the environment, and the operator token from a file
# (never from the command line, where any local user could read it).
export PRINTRELAY_CLOUD=$URL PRINTRELAY_CA_FILE=$DEMO/tls/ca.pem
pr() { "$BUILD/cloud/printrelay" "$@"; }
admin() { PRINTRELAY_ADMIN_TOKEN_FILE=$DEMO/cloud/admin.token pr "$@"; }
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

if [ ! -f "$DEMO/store.id" ]; then
  admin --json admin create-store --name "Demo Copy Shop" \
    --address "1 Demo Street" --lat 52.5200 --lon 13.4050 | json_field id >"$DEMO/store.id"
fi
STORE_ID=$(cat "$DEMO/store.id")

say "the agent"
cat >"$DEMO/agent/agent.conf" <<CONF
cloud_url = $URL
ca_file = $DEMO/tls/ca.pem
state_dir = $DEMO/agent
printer = demo-printer
cups_server = $CUPS/cups.sock
CONF
if [ ! -f "$DEMO/agent/credential" ]; then
  CODE=$(admin --json admin enrollment-code "$STORE_ID" | json_field code)
  # The one-time code goes through the environment: a command line is readable by any local user.
  PRINTRELAY_ENROLL_CODE=$CODE "$BUILD/agent/printrelay-agent" --config "$DEMO/agent/agent.conf" \
    enroll --name demo-agent
fi
start_bg agent "$BUILD/agent/printrelay-agent" --config "$DEMO/agent/agent.conf" run

say "a customer account: registered, confirmed through the mailed link, logged in"
# No SMTP server is configured, so the cloud writes each mail as an .eml file into MAIL_DIR:
# the demo reads the verification link from there, as a user would from their inbox. The CLI
# keeps its session in $XDG_CONFIG_HOME/printrelay/credentials.json.
export XDG_CONFIG_HOME=$DEMO/config
MAIL_DIR=$DEMO/cloud/mail
CUSTOMER_EMAIL=demo@printrelay.example
[ -f "$DEMO/customer.password" ] || (umask 077 && openssl rand -hex 16 >"$DEMO/customer.password")
export PRINTRELAY_PASSWORD
PRINTRELAY_PASSWORD=$(cat "$DEMO/customer.password")
mail_count() { find "$MAIL_DIR" -name '*.eml' 2>/dev/null | wc -l; }
new_mail() { [ "$(mail_count)" -gt "$mails_before" ]; }
if [ ! -f "$DEMO/customer.verified" ]; then
  mails_before=$(mail_count)
  pr register --email "$CUSTOMER_EMAIL" --name "Demo Customer"
  wait_for "the verification mail in $MAIL_DIR" new_mail
  newest=$(ls -t "$MAIL_DIR"/*.eml | head -1)
  LINK=$(grep -o 'https://[^ ]*/api/v1/accounts/verify?token=[A-Za-z0-9_-]*' "$newest" | head -1 || true)
  # A second registration of a confirmed address gets a mail without a link: nothing to do.
  [ -z "$LINK" ] || pr verify "$LINK"
  touch "$DEMO/customer.verified"
fi
pr login --email "$CUSTOMER_EMAIL"
unset PRINTRELAY_PASSWORD

say "sending a first document"
printf 'Hello from PrintRelay!\nSealed in the CLI, opened only by the shop agent, printed at %s.\n' \
  "$(date -u +%FT%TZ)" >"$DEMO/hello.txt"
ORDER_ID=$(pr --json send --store "$STORE_ID" --copies 1 --media iso_a4_210x297mm "$DEMO/hello.txt" | json_field order_id)
pr status "$ORDER_ID" --wait printed --timeout 60

cat <<DONE

PrintRelay is running (logs in $DEMO/logs/):
  API          $URL/api/v1   (CA certificate: $DEMO/tls/ca.pem)
  store id     $STORE_ID
  printed jobs $DEMO/printed/   (what the virtual printer received)

Mail the cloud sent (no SMTP configured): $MAIL_DIR/*.eml
The demo customer is $CUSTOMER_EMAIL, password in $DEMO/customer.password.

Send another document (sealed in the CLI before it leaves your machine), as the logged-in
demo customer:
  export XDG_CONFIG_HOME=$DEMO/config PRINTRELAY_CLOUD=$URL PRINTRELAY_CA_FILE=$DEMO/tls/ca.pem
  $BUILD/cloud/printrelay send --store $STORE_ID --hold FILE
Operator commands take the token from a file:
  PRINTRELAY_ADMIN_TOKEN_FILE=$DEMO/cloud/admin.token $BUILD/cloud/printrelay admin users
or with curl, as plaintext over TLS that the cloud seals on arrival (an access token lives
10 minutes; printrelay login refreshes it; the header comes from a file descriptor so the
token stays off curl's command line):
  PRINTRELAY_TOKEN=\$(python3 -c 'import json;print(next(iter(json.load(open("$DEMO/config/printrelay/credentials.json")).values()))["access_token"])')
  curl --cacert $DEMO/tls/ca.pem -H @<(printf 'Authorization: Bearer %s\\n' "\$PRINTRELAY_TOKEN") \\
       -H 'Content-Type: application/json' -d '{"store_id":"$STORE_ID","document_name":"f.pdf","content_type":"application/pdf"}' \\
       $URL/api/v1/orders
  curl --cacert $DEMO/tls/ca.pem -H @<(printf 'Authorization: Bearer %s\\n' "\$PRINTRELAY_TOKEN") \\
       -H 'Content-Type: application/pdf' -T f.pdf $URL/api/v1/orders/ORDER_ID/document
Stop everything: scripts/demo.sh stop
DONE
