package gctune

import (
	"flag"
	"math"
	"runtime/debug"
	"testing"
)

// TestForWorker: without GOGC and GOMEMLIMIT the worker's collector runs at
// 400 % with a 3 GiB soft limit; either variable set in the environment
// wins over the tuning.
func TestForWorker(t *testing.T) {
	tests := []struct {
		name             string
		gogc, gomemlimit string
		wantGC           int   // what ForWorker set, -1: nothing
		wantLimit        int64 // idem
		wantPercentAfter int
		wantLimitAfter   int64
	}{
		{"defaults", "", "", 400, 3 << 30, 400, 3 << 30},
		{"GOGC set", "150", "", -1, 3 << 30, 150, 3 << 30},
		{"GOMEMLIMIT set", "", "1GiB", 400, -1, 400, 1 << 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			t.Setenv("GOMEMLIMIT", tt.gomemlimit)
			oldPercent, oldLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
			t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })
			// The runtime reads the variables at start only: stand in for it.
			if tt.gogc != "" {
				debug.SetGCPercent(150)
			}
			if tt.gomemlimit != "" {
				debug.SetMemoryLimit(1 << 30)
			}
			gc, limit := ForWorker()
			if gc != tt.wantGC || limit != tt.wantLimit {
				t.Errorf("ForWorker() = %d, %d; want %d, %d", gc, limit, tt.wantGC, tt.wantLimit)
			}
			if got := debug.SetGCPercent(100); got != tt.wantPercentAfter {
				t.Errorf("GC percent %d, want %d", got, tt.wantPercentAfter)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimitAfter {
				t.Errorf("memory limit %d, want %d", got, tt.wantLimitAfter)
			}
		})
	}
}

func TestHostsWorkers(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want bool
	}{
		{"in-process prism", nil, false},
		{"a worker", []string{"--worker"}, true},
		{"LOOPBACK workers in the launcher", []string{"--environment_type=LOOPBACK"}, true},
		{"workers started on the nodes", []string{"--environment_type=PROCESS"}, false},
		{"workers in containers", []string{"--environment_type=DOCKER"}, false},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.Bool("worker", false, "")
		fs.String("environment_type", "", "")
		if err := fs.Parse(tt.args); err != nil {
			t.Fatal(err)
		}
		if got := HostsWorkers(fs); got != tt.want {
			t.Errorf("%s: HostsWorkers(%q) = %v, want %v", tt.name, tt.args, got, tt.want)
		}
	}
}
