//go:build flink

package smoke

import (
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
)

func TestFlinkWordCount(t *testing.T) {
	runOn(t, "flink", wordCountPipeline())
}
