package localstack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// repoRoot finds the module root (the directory holding go.mod), starting at the
// working directory (a test's package directory) and falling back to this
// source file's location for binaries run from elsewhere.
func repoRoot() (string, error) {
	starts := []string{}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "testing", "stack", "serve.js")); err == nil {
				if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
					return d, nil
				}
			}
			if parent := filepath.Dir(d); parent == d {
				break
			}
		}
	}
	return "", errors.New("localstack: repository root (go.mod with testing/stack/serve.js) not found above the working directory")
}

// ensureDeps runs the same install step as `make stack-deps` (npm ci of the
// pinned emulators, go build of bin/s3server), so `go test` works from a fresh
// clone. The script does nothing when both are present and up to date.
func ensureDeps(ctx context.Context, root string) error {
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "testing", "stack", "deps.sh"))
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("localstack: installing stack dependencies: %w\n%s", err, out)
	}
	return nil
}
