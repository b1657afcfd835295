#!/bin/sh
# scripts/demo.sh passes no secret on a command line (any local user can read one in ps and
# /proc/PID/cmdline): tokens, passwords and enrollment codes go through the environment or a file.
#   check_demo_secrets.sh SOURCE_DIR
demo=$1/scripts/demo.sh
status=0
for pattern in '--token' '--admin-token' '--code' '--password' 'Bearer \$' '-u [^ ]*:'; do
  if grep -n -e "$pattern" "$demo" | grep -v '^[0-9]*:[[:space:]]*#'; then
    echo "FAIL: scripts/demo.sh passes a secret on a command line ($pattern)" >&2
    status=1
  fi
done
exit $status
