package e2e

import "flag"

// resendShare sets simulator.Config.ResendShare in TestEndToEnd and
// TestExact: steps re-sent under a new event_id 1–30 s later, which the
// pipeline and the reference must both count at their earliest time. Off
// by default, so the tests' streams stay as measured.
var resendShare = flag.Float64("e2e.resend-share", 0, "share of lifecycle steps re-sent under a new event_id, up to 30 s later (simulator ResendShare)")
