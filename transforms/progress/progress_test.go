package progress

import (
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

func TestMain(m *testing.M) { ptest.MainWithDefault(m, "prism") }

// TestCount checks that Count passes elements through unchanged and that the
// in-process prism's workers add them to the launcher's counter.
func TestCount(t *testing.T) {
	before := Records()
	p, s := beam.NewPipelineWithRoot()
	in := beam.Create(s, "a", "b", "c", "d", "e")
	passert.Equals(s, Count(s, in), "a", "b", "c", "d", "e")
	ptest.RunAndValidate(t, p)
	if got := Records() - before; got != 5 {
		t.Errorf("Records() grew by %d; want 5", got)
	}
}
