//go:build spark

package smoke

import (
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/spark"
)

func TestSparkWordCount(t *testing.T) {
	runOn(t, "spark", wordCountPipeline())
}
