package dynamodbio

import (
	"flag"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestMain runs the pipelines on prism (ptest's default runner) against the
// shared local AWS stack, which localstack.Main stops at the end.
func TestMain(m *testing.M) {
	flag.Parse()
	beam.Init()
	localstack.Main(m)
}
