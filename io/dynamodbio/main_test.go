package dynamodbio

import (
	"os"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestMain runs the pipelines on prism against the shared local AWS stack,
// which localstack.Finish stops at the end.
func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(ptest.MainRetWithDefault(m, "prism")))
}
