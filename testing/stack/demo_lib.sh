# Shared by demo.sh and demo_live.sh (sourced; needs STACK_DIR, step and fail).

started_here=0

# start_stack starts the local AWS stack, or reuses a running one (left
# running afterwards), and exports its AWS_ENDPOINT_URL_* settings.
start_stack() {
  if pid=$(cat "$STACK_DIR/kinesis.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; then
    echo "reusing the running stack (left running afterwards)"
  else
    started_here=1
  fi
  STACK_DIR="$STACK_DIR" bash testing/stack/up.sh >/dev/null || fail "local stack did not start (see $STACK_DIR/*.log)"
  # shellcheck disable=SC1091
  source "$STACK_DIR/env"
}

# stop_stack stops the stack if start_stack started it.
stop_stack() {
  if [ "$started_here" = 1 ]; then
    STACK_DIR="$STACK_DIR" bash testing/stack/down.sh >/dev/null 2>&1 || true
  fi
}
