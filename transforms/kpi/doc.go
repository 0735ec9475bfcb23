// Package kpi computes the delivery KPIs of deliverypipe in event-time sliding
// windows: counts per event type, per-restaurant and per-zone order KPIs.
//
// SlidingWindows assigns the windows and the trigger (an on-time pane when the
// watermark passes the end of the window, then one late pane per late element
// while the allowed lateness lasts, accumulating). The KPI transforms group
// per key and window and fold each group with the combiner's code (no state);
// each output row carries its window, pane index and pane timing, read after
// the GroupByKey, so a sink can keep only the newest pane of a window. (A
// lifted combine would lose the pane: the Go SDK's combine nodes drop it.)
//
// The exact definition of every KPI is in README.md.
package kpi
