package delivery

import (
	"os"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
)

// TestMain runs the pipelines of the tests with ptest on prism (in process)
// unless --runner names another, with the runner's required experiments.
func TestMain(m *testing.M) {
	os.Exit(presetstest.MainRet(m, "prism"))
}
