package main

import (
	"context"
	"strings"
	"testing"
)

// TestRunRefusesBadFlags: a bad flag is an error naming it, before any AWS
// call (--rows -3 used to panic with a stack trace).
func TestRunRefusesBadFlags(t *testing.T) {
	tests := []struct {
		name  string
		table string
		rows  int
		want  string
	}{
		{"no table", "", 30, "--kpi-table"},
		{"negative rows", "kpis", -3, "--rows must be at least 1, got -3"},
		{"zero rows", "kpis", 0, "--rows must be at least 1, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			*kpiTable, *maxRows = tt.table, tt.rows
			err := run(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run with --kpi-table=%q --rows=%d: %v, want an error with %q", tt.table, tt.rows, err, tt.want)
			}
		})
	}
}
