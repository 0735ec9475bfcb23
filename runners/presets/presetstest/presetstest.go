// Package presetstest gives tests that run pipelines with ptest the runner
// setup that bin/pipeline's presets give: the experiments the runner needs
// (presets.RequireExperiments) on top of the flags the test was given.
package presetstest

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/runners/presets"
)

// MainRet parses the flags, adds the runner's required experiments and runs
// the tests with ptest on defaultRunner unless --runner names another. It
// returns the exit code, for TestMain to pass to os.Exit.
func MainRet(m *testing.M, defaultRunner string) int {
	if !flag.Parsed() {
		flag.Parse()
	}
	if flag.Lookup("runner").Value.String() == "" {
		// ptest falls back to defaultRunner; RequireExperiments must see it.
		if err := flag.Set("runner", defaultRunner); err != nil {
			fmt.Fprintln(os.Stderr, "presetstest:", err)
			return 2
		}
	}
	if err := presets.RequireExperiments(flag.CommandLine); err != nil {
		fmt.Fprintln(os.Stderr, "presetstest:", err)
		return 2
	}
	return ptest.MainRetWithDefault(m, defaultRunner)
}

// Workarounds returns presets.WorkaroundsFor the runner the tests run on.
// Call it from a test, after MainRet parsed the flags.
func Workarounds() presets.Workarounds { return presets.WorkaroundsFor(flag.CommandLine) }
