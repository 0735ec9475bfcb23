package checkpoint

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/deliverypipe/deliverypipe/runners/presets/presetstest"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestMain runs the pipelines on prism against the shared local AWS stack.
func TestMain(m *testing.M) {
	os.Exit(localstack.Finish(presetstest.MainRet(m, "prism")))
}

// newTable creates a fresh checkpoint table on the shared stack and points
// this process (and in-process workers) at the stack.
func newTable(t *testing.T) (*Table, string) {
	t.Helper()
	st := localstack.Shared(t)
	st.SetEnv(t)
	ctx := context.Background()
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("cp%d", time.Now().UnixNano()%1e9)
	tb := NewTable(dynamodb.NewFromConfig(cfg), name)
	if err := tb.Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	return tb, name
}
