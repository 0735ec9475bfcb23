package localstack

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
)

var shared struct {
	once  sync.Once
	stack *Stack
	err   error
}

// Shared returns one stack per test binary: the one described by the
// environment if FromEnv finds it (e.g. after `make stack-up`), else one
// started on first use. Call Main from the package's TestMain so a started
// stack is stopped when the tests end; without it the servers still die with
// the test binary (they are killed when their parent exits). Tests that
// restart servers need their own stack from Start.
func Shared(tb testing.TB) *Stack {
	tb.Helper()
	shared.once.Do(func() {
		if s, ok := FromEnv(); ok {
			shared.stack = s
			return
		}
		shared.stack, shared.err = Start(context.Background())
	})
	if shared.err != nil {
		tb.Fatalf("local AWS stack: %v", shared.err)
	}
	return shared.stack
}

// Main runs the tests and then stops the stack that Shared started, if any.
// Use it as the body of TestMain:
//
//	func TestMain(m *testing.M) { localstack.Main(m) }
func Main(m *testing.M) {
	os.Exit(Finish(m.Run()))
}

// Finish stops the stack that Shared started, if any, and returns the exit
// code to use: for TestMains that run the tests another way, e.g.
//
//	os.Exit(localstack.Finish(ptest.MainRetWithDefault(m, "prism")))
func Finish(code int) int {
	if shared.stack != nil {
		if err := shared.stack.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "localstack: stop shared stack: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
