// Command processboot is the PROCESS-environment command for Go pipelines
// whose worker binary is installed on the node (runners/emr/processboot).
// The worker is $DELIVERYPIPE_WORKER, or the "pipeline" binary next to this one.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deliverypipe/deliverypipe/runners/emr/processboot"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	args, err := processboot.ParseArgs(os.Args[1:])
	if err != nil {
		return err
	}
	worker := os.Getenv("DELIVERYPIPE_WORKER")
	if worker == "" {
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("processboot: locating myself: %w", err)
		}
		worker = filepath.Join(filepath.Dir(self), "pipeline")
	}
	w, err := processboot.Prepare(context.Background(), args)
	if err != nil {
		return err
	}
	return w.Run(worker)
}
