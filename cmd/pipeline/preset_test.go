package main

import (
	"flag"
	"testing"

	"github.com/deliverypipe/deliverypipe/runners/presets"
)

// TestIsInProcessPrism checks the decision that turns on the in-process
// progress counter, for the runner flags each preset leaves behind.
func TestIsInProcessPrism(t *testing.T) {
	tests := []struct {
		preset, runner, endpoint string
		want                     bool
	}{
		{"(no preset, Beam defaults)", "", "", true},
		{"prism", "prism", "", true},
		{"prism-server", "prism", "127.0.0.1:8073", false},
		{"flink-local", "flink", "127.0.0.1:4242", false},
		{"spark-emr", "spark", presets.EMRJobEndpoint, false},
		{"universal", "universal", "127.0.0.1:8073", false},
	}
	for _, tc := range tests {
		t.Run(tc.preset, func(t *testing.T) {
			for name, v := range map[string]string{"runner": tc.runner, "endpoint": tc.endpoint} {
				f := flag.Lookup(name)
				old := f.Value.String()
				// Value.Set, not flag.Set: it leaves the flag unmarked as
				// given by the user, so other tests' presets still apply.
				if err := f.Value.Set(v); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Value.Set(old) })
			}
			if got := isInProcessPrism(); got != tc.want {
				t.Errorf("isInProcessPrism() with --runner=%q --endpoint=%q = %v, want %v", tc.runner, tc.endpoint, got, tc.want)
			}
		})
	}
}
