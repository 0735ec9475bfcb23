// Package processboot starts a Go SDK worker for Beam's PROCESS environment
// when the worker binary is already installed on the node (EMR: the bootstrap
// action puts it in /opt/deliverypipe/bin).
//
// The runner starts the environment's command with --id, --provision_endpoint,
// --logging_endpoint, --artifact_endpoint and --control_endpoint. A Go
// pipeline binary cannot take those flags itself (its own flag parsing rejects
// them, and it needs the pipeline options from the provision service), and
// Beam's container boot program (sdks/go/container) copies the staged worker
// to /bin/worker, which a YARN container user cannot write and concurrent
// harnesses on one node would overwrite while it runs. So this boot reads the
// provision info, writes the pipeline options to a private file, and runs the
// installed worker with the harness flags, as Beam's boot does after staging.
package processboot

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/container/tools"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/util/execx"
)

// Args are the flags the runner passes to a PROCESS environment command.
type Args struct {
	ID                string
	ProvisionEndpoint string
	LoggingEndpoint   string
	ArtifactEndpoint  string
	ControlEndpoint   string
	SemiPersistDir    string
}

// ParseArgs parses the runner's flags; unknown flags are an error so that a
// protocol change shows up instead of being ignored.
func ParseArgs(args []string) (Args, error) {
	var a Args
	fs := flag.NewFlagSet("processboot", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.ID, "id", "", "worker id")
	fs.StringVar(&a.ProvisionEndpoint, "provision_endpoint", "", "provision service endpoint")
	fs.StringVar(&a.LoggingEndpoint, "logging_endpoint", "", "logging service endpoint")
	fs.StringVar(&a.ArtifactEndpoint, "artifact_endpoint", "", "artifact service endpoint (unused: the worker is installed)")
	fs.StringVar(&a.ControlEndpoint, "control_endpoint", "", "control service endpoint")
	fs.StringVar(&a.SemiPersistDir, "semi_persist_dir", "", "directory for the options file (default: the temp dir)")
	if err := fs.Parse(args); err != nil {
		return a, fmt.Errorf("processboot: %w", err)
	}
	var missing []string
	if a.ID == "" {
		missing = append(missing, "--id")
	}
	if a.ProvisionEndpoint == "" {
		missing = append(missing, "--provision_endpoint")
	}
	if len(missing) > 0 {
		return a, fmt.Errorf("processboot: missing %s (is this being started by a Beam runner's PROCESS environment?)", strings.Join(missing, ", "))
	}
	return a, nil
}

// Worker is a prepared worker invocation.
type Worker struct {
	Args        []string          // harness flags for the worker binary
	Env         map[string]string // added to the environment
	OptionsFile string            // the pipeline options (JSON), named by PIPELINE_OPTIONS_FILE
}

// Prepare asks the provision service for the pipeline options and endpoints
// and writes the options file.
func Prepare(ctx context.Context, a Args) (*Worker, error) {
	info, err := tools.ProvisionInfo(ctx, a.ProvisionEndpoint)
	if err != nil {
		return nil, fmt.Errorf("processboot: provision info from %s: %w", a.ProvisionEndpoint, err)
	}
	// The provision info's endpoints win over the flags, as in Beam's boot.
	logging, control := a.LoggingEndpoint, a.ControlEndpoint
	if u := info.GetLoggingEndpoint().GetUrl(); u != "" {
		logging = u
	}
	if u := info.GetControlEndpoint().GetUrl(); u != "" {
		control = u
	}
	if logging == "" || control == "" {
		return nil, errors.New("processboot: neither the flags nor the provision info name the logging and control endpoints")
	}
	options, err := tools.ProtoToJSON(info.GetPipelineOptions())
	if err != nil {
		return nil, fmt.Errorf("processboot: pipeline options: %w", err)
	}
	f, err := os.CreateTemp(a.SemiPersistDir, "pipeline-options-"+a.ID+"-*.json")
	if err != nil {
		return nil, fmt.Errorf("processboot: options file: %w", err)
	}
	_, werr := f.WriteString(options)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return nil, fmt.Errorf("processboot: writing %s: %w", f.Name(), werr)
	}
	w := &Worker{
		Args: []string{
			"--worker=true",
			"--id=" + a.ID,
			"--logging_endpoint=" + logging,
			"--control_endpoint=" + control,
		},
		Env:         map[string]string{"PIPELINE_OPTIONS_FILE": f.Name()},
		OptionsFile: f.Name(),
	}
	if a.SemiPersistDir != "" {
		w.Args = append(w.Args, "--semi_persist_dir="+a.SemiPersistDir)
	}
	if u := info.GetStatusEndpoint().GetUrl(); u != "" {
		w.Env["STATUS_ENDPOINT"] = u
	}
	if caps := info.GetRunnerCapabilities(); len(caps) > 0 {
		w.Env["RUNNER_CAPABILITIES"] = strings.Join(caps, " ")
	}
	return w, nil
}

// Run runs the worker binary until it exits, with stdio attached, and
// removes the options file afterwards.
func (w *Worker) Run(binary string) error {
	defer os.Remove(w.OptionsFile)
	if err := execx.ExecuteEnv(w.Env, binary, w.Args...); err != nil {
		return fmt.Errorf("processboot: worker %s: %w", binary, err)
	}
	return nil
}
