// Package presets names the runner setups deliverypipe runs on, each a set of
// Beam runner flags (--runner, --endpoint, --environment_type,
// --environment_config, --parallelism, --experiments, --worker_binary) that a
// command applies before beam.Init, so that
//
//	pipeline --preset=flink-local ...
//
// replaces five flags. A flag the user sets explicitly always wins over the
// preset.
package presets

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/deliverypipe/deliverypipe/runners/emr/render"
)

// Paths on EMR nodes, as runners/emr's bootstrap action installs them: the
// PROCESS environment starts processboot on every worker, which fetches the
// pipeline options and runs the linux build of cmd/pipeline as the SDK
// harness. Beam Go (v2.62, v2.77) cannot use the submitting binary as the worker (it
// would try to compile the source), so --worker_binary must name one.
const (
	EMRBoot   = render.InstallDir + "/bin/processboot"
	EMRWorker = render.InstallDir + "/bin/pipeline"
	// EMRJobEndpoint is where the EMR step starts the job server, on the
	// master node next to the submitting process.
	EMRJobEndpoint = "localhost:" + jobPort
)

// jobPort is render.JobPort as text, for a constant endpoint.
const jobPort = "8099"

// Preset is one named runner setup. Empty fields leave Beam's default.
type Preset struct {
	Name string
	// Doc says in one line what the preset is for (shown by --help).
	Doc string

	Runner            string
	Endpoint          string
	EnvironmentType   string
	EnvironmentConfig string
	WorkerBinary      string
	Parallelism       int // 0 keeps the runner's default
	Experiments       []string

	// EndpointEnv and EndpointFile find the endpoint of a local job server
	// when neither --endpoint nor Endpoint gives one: the environment
	// variable first, then the file runners/<runner>/jobserver.sh writes
	// (relative to the working directory, the repository root under make).
	EndpointEnv, EndpointFile string
	// NeedsEndpoint makes Apply fail when no endpoint was found.
	NeedsEndpoint bool
}

var all = []Preset{
	{
		Name: "prism", Doc: "in-process prism (default): tests, demo, local runs; SDF splits off, which keeps stateful stages exact",
		Runner: "prism",
	},
	{
		Name: "prism-server", Doc: "a prism job server at --endpoint, SDK harness in this process; SDF splits off",
		Runner: "prism", EnvironmentType: "LOOPBACK", NeedsEndpoint: true,
	},
	{
		Name: "flink-local", Doc: "the Flink job server of runners/flink/jobserver.sh (embedded Flink), SDK harness in this process",
		Runner: "flink", EnvironmentType: "LOOPBACK", Parallelism: 2,
		EndpointEnv: "FLINK_ENDPOINT", EndpointFile: filepath.Join(".stack", "flink", "endpoint"), NeedsEndpoint: true,
	},
	{
		Name: "flink-emr", Doc: "Flink on EMR: job server on the master node, Go workers started as processes on the nodes",
		Runner: "flink", Endpoint: EMRJobEndpoint, EnvironmentType: "PROCESS",
		EnvironmentConfig: processConfig(EMRBoot), WorkerBinary: EMRWorker,
	},
	{
		Name: "spark-local", Doc: "the Spark job server of runners/spark/jobserver.sh (local[2]), bounded pipelines only",
		Runner: "spark", EnvironmentType: "LOOPBACK",
		EndpointEnv: "SPARK_ENDPOINT", EndpointFile: filepath.Join(".stack", "spark", "endpoint"), NeedsEndpoint: true,
	},
	{
		Name: "spark-emr", Doc: "Spark on EMR (bounded backfills): job server on the master node, Go workers as processes",
		Runner: "spark", Endpoint: EMRJobEndpoint, EnvironmentType: "PROCESS",
		EnvironmentConfig: processConfig(EMRBoot), WorkerBinary: EMRWorker,
	},
}

// processConfig is the PROCESS environment's configuration: the command
// each worker node runs to start an SDK harness.
func processConfig(command string) string {
	return fmt.Sprintf(`{"command":%q}`, command)
}

// Default is the preset used when none is named.
const Default = "prism"

// Names lists the presets, sorted.
func Names() []string {
	out := make([]string, len(all))
	for i, p := range all {
		out[i] = p.Name
	}
	sort.Strings(out)
	return out
}

// Lookup returns the preset called name.
func Lookup(name string) (Preset, error) {
	for _, p := range all {
		if p.Name == name {
			return p, nil
		}
	}
	return Preset{}, fmt.Errorf("unknown preset %q: want one of %s", name, strings.Join(Names(), ", "))
}

// Usage is a help text listing every preset with its line of doc.
func Usage() string {
	var b strings.Builder
	for _, n := range Names() {
		p, _ := Lookup(n)
		fmt.Fprintf(&b, "\n%s: %s", p.Name, p.Doc)
	}
	return b.String()
}

// Apply sets p's flags in fs (parsed already), except those the user set
// explicitly. fs must define Beam's runner flags: flag.CommandLine does once
// the beam package is linked in. Call it after flag.Parse, before beam.Init.
func (p Preset) Apply(fs *flag.FlagSet) (err error) {
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })

	values := map[string]string{
		"runner":             p.Runner,
		"endpoint":           p.Endpoint,
		"environment_type":   p.EnvironmentType,
		"environment_config": p.EnvironmentConfig,
		"worker_binary":      p.WorkerBinary,
		"experiments":        strings.Join(p.Experiments, ","),
	}
	defer func() {
		if err == nil {
			err = RequireExperiments(fs)
		}
	}()
	if p.Parallelism > 0 {
		values["parallelism"] = strconv.Itoa(p.Parallelism)
	}
	endpoint := values["endpoint"]
	switch {
	case explicit["endpoint"]:
		endpoint = fs.Lookup("endpoint").Value.String()
	case endpoint == "":
		e, err := p.localEndpoint()
		if err != nil {
			return err
		}
		endpoint, values["endpoint"] = e, e
	}
	if p.NeedsEndpoint && endpoint == "" {
		return fmt.Errorf("preset %s needs a job server: pass --endpoint=host:port%s", p.Name, p.endpointHint())
	}
	var errs []error
	for _, name := range sortedKeys(values) {
		v := values[name]
		if v == "" || explicit[name] {
			continue
		}
		if fs.Lookup(name) == nil {
			errs = append(errs, fmt.Errorf("preset %s: flag --%s is not defined (is the beam package linked in?)", p.Name, name))
			continue
		}
		if err := fs.Set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("preset %s: --%s=%s: %w", p.Name, name, v, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return checkPortable(fs)
}

// portableRunners are the runners that submit to a job server.
var portableRunners = map[string]bool{
	"flink": true, "FlinkRunner": true, "spark": true, "SparkRunner": true,
	"universal": true, "portable": true, "PortableRunner": true,
}

// checkPortable fails fast when the runner of fs submits to a job server
// but the flags name none, or no environment for the workers: Beam Go would
// then pick its DOCKER default, log that it cross-compiles and pulls an SDK
// image, and wait for a container that never comes up here.
func checkPortable(fs *flag.FlagSet) error {
	r := fs.Lookup("runner")
	if r == nil || !portableRunners[r.Value.String()] {
		return nil
	}
	runner := r.Value.String()
	if e := fs.Lookup("endpoint"); e == nil || e.Value.String() == "" {
		return fmt.Errorf("--runner=%s needs --endpoint=host:port of its job server (or --preset=%s-local for the job server of runners/%s/jobserver.sh, --preset=%s-emr on EMR)", runner, presetFamily(runner), presetFamily(runner), presetFamily(runner))
	}
	if env := fs.Lookup("environment_type"); env != nil && env.Value.String() == "" {
		return fmt.Errorf("--runner=%s needs --environment_type: LOOPBACK runs the workers in this process (a local job server), PROCESS starts them on the nodes (EMR); Beam's default, DOCKER, pulls an SDK image (--preset=%s-local or %s-emr set both)", runner, presetFamily(runner), presetFamily(runner))
	}
	return nil
}

// presetFamily is the prefix of the presets for runner.
func presetFamily(runner string) string {
	if strings.HasPrefix(strings.ToLower(runner), "spark") {
		return "spark"
	}
	return "flink"
}

// localEndpoint reads the endpoint of a local job server from EndpointEnv or
// EndpointFile; "" when neither names one.
func (p Preset) localEndpoint() (string, error) {
	if p.EndpointEnv != "" {
		if e := os.Getenv(p.EndpointEnv); e != "" {
			return e, nil
		}
	}
	if p.EndpointFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(p.EndpointFile)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("preset %s: reading the job server endpoint: %w", p.Name, err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (p Preset) endpointHint() string {
	switch {
	case p.EndpointEnv != "" && p.EndpointFile != "":
		return fmt.Sprintf(", set %s, or start the job server (make %s-up writes %s)", p.EndpointEnv, p.Runner, p.EndpointFile)
	case p.EndpointEnv != "":
		return ", or set " + p.EndpointEnv
	}
	return ""
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// prismExperiments are set on every job that runs on prism. Without
// prism_disable_sdf_split, prism (v2.62 to v2.77) splits the bundles of the
// Kinesis read and then advances the watermark of the stateful stages past
// elements still queued: under load the end-to-end test lost a lifecycle
// step or let a duplicate through in 3 of 4 runs (runners/README.md).
var prismExperiments = []string{"prism_disable_sdf_split"}

// IsPrism reports whether the runner flags in fs (parsed already) run the
// job on prism, in process or a prism job server: --runner prism or empty
// (Beam Go's default). The universal runner may be talking to anything, so
// it is not prism here; use the prism-server preset for a prism job server.
func IsPrism(fs *flag.FlagSet) bool {
	r := fs.Lookup("runner")
	return r == nil || r.Value.String() == "" || r.Value.String() == "prism" || r.Value.String() == "PrismRunner"
}

// RequireExperiments adds to --experiments in fs what the runner named by
// fs needs (on prism: prism_disable_sdf_split), keeping the experiments the
// user gave. Apply calls it; tests that take Beam's flags without a preset
// (ptest) call it after flag.Parse.
func RequireExperiments(fs *flag.FlagSet) error {
	if !IsPrism(fs) {
		return nil
	}
	f := fs.Lookup("experiments")
	if f == nil {
		return errors.New("flag --experiments is not defined (is the beam package linked in?)")
	}
	have := map[string]bool{}
	var all []string
	for _, e := range strings.Split(f.Value.String(), ",") {
		if e = strings.TrimSpace(e); e != "" && !have[e] {
			have[e] = true
			all = append(all, e)
		}
	}
	for _, e := range prismExperiments {
		if !have[e] {
			all = append(all, e)
		}
	}
	return fs.Set("experiments", strings.Join(all, ","))
}

// Workarounds are what the graph does differently on a runner that gets a
// part of the Beam model wrong. This is the one place that decides them;
// runners/README.md has a reproduction of each.
type Workarounds struct {
	// NormalizePanes: prism fires a closing LATE pane for every window that
	// repeats the window's last pane, and late data only at that pane
	// (kpi.NormalizePanes).
	NormalizePanes bool
}

// WorkaroundsFor returns the workarounds for the runner named by fs (parsed
// already).
func WorkaroundsFor(fs *flag.FlagSet) Workarounds {
	return Workarounds{NormalizePanes: IsPrism(fs)}
}
