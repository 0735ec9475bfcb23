// Package kpi computes the delivery KPIs of deliverypipe in event-time sliding
// windows: counts per event type, per-restaurant and per-zone order KPIs.
//
// SlidingWindows assigns the windows and the trigger (an on-time pane when the
// watermark passes the end of the window, then one late pane per late element
// while the allowed lateness lasts, accumulating). The KPI transforms are lifted
// combiners (no state), so their cost is per key and window, not per element;
// each output row carries its window, pane index and pane timing so a sink can
// keep only the newest pane of a window.
//
// The exact definition of every KPI is in README.md.
package kpi
