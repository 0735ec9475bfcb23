package render

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"
)

//go:embed templates/*.tmpl
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	// json quotes a value for a JSON template, so names never break the document.
	"json": func(v any) (string, error) {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // shell commands hold '&&'
		err := enc.Encode(v)
		return strings.TrimSuffix(b.String(), "\n"), err
	},
	"join": strings.Join,
}).ParseFS(templateFS, "templates/*.tmpl"))

// Files maps a rendered file name to its mode: scripts are executable.
var Files = map[string]os.FileMode{
	"create-cluster.json": 0o644,
	"bootstrap.sh":        0o755,
	"start-jobserver.sh":  0o755,
	"steps.json":          0o644,
	"iam-policy.json":     0o644,
	"alarms.json":         0o644,
	"sizing.md":           0o644,
	"upload.sh":           0o755,
	"cfn-parameters.json": 0o644,
}

// instanceTypes are the primary and core instance types per architecture,
// with the core type's vCPU count (one Flink task slot each).
var instanceTypes = map[string]struct {
	Primary, Core string
	CoreVCPUs     int
}{
	"arm64": {"m7g.xlarge", "m7g.2xlarge", 8},
	"amd64": {"m7i.xlarge", "m7i.2xlarge", 8},
}

// Plan is a rendered deployment plan.
type Plan struct {
	Config Config
	Sizing Sizing
	Files  map[string][]byte // file name → content
}

// data is what the templates see.
type data struct {
	Config
	Sizing
	Partition                    string
	StreamARN, BucketARN         string
	CheckpointBucketARN          string
	KPITableARN, StatusTableARN  string
	CheckpointTableARN           string
	OutputPrefixes               []string // <prefix>/<table>
	PrimaryType, CoreType        string
	Deploy                       string // s3://bucket/deploy
	ServiceRole, InstanceProfile string
	InstallDir, BeamVersion      string
	JobPort, ArtifactPort        int
	SubmitStep, JobServerStep    string
	EnvironmentConfig            string // --environment_config JSON: boot command and worker env
	StepFailedPattern            string // EventBridge pattern (a JSON string) for failed steps
}

// Render validates c and renders every file of the plan.
func Render(c Config) (*Plan, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("emr plan: %w", err)
	}
	c = c.withDefaults()
	it := instanceTypes[c.Arch]
	sz := size(c.Sizing, it.CoreVCPUs, c.CoreNodes)
	part := partition(c.Region)
	table := func(name string) string {
		return fmt.Sprintf("arn:%s:dynamodb:%s:%s:table/%s", part, c.Region, c.Account, name)
	}
	d := data{
		Config:              c,
		Sizing:              sz,
		Partition:           part,
		StreamARN:           fmt.Sprintf("arn:%s:kinesis:%s:%s:stream/%s", part, c.Region, c.Account, c.Stream),
		BucketARN:           fmt.Sprintf("arn:%s:s3:::%s", part, c.Bucket),
		CheckpointBucketARN: fmt.Sprintf("arn:%s:s3:::%s", part, c.CheckpointBucket),
		KPITableARN:         table(c.Table),
		StatusTableARN:      table(c.StatusTable),
		CheckpointTableARN:  table(c.CheckpointTable),
		PrimaryType:         it.Primary,
		CoreType:            it.Core,
		Deploy:              "s3://" + c.Bucket + "/deploy",
		ServiceRole:         c.ClusterName + "-emr-service-role",
		InstanceProfile:     c.ClusterName + "-emr-ec2-profile",
		InstallDir:          InstallDir,
		BeamVersion:         BeamVersion,
		JobPort:             JobPort,
		ArtifactPort:        ArtifactPort,
		SubmitStep:          c.ClusterName + "-submit",
		JobServerStep:       c.ClusterName + "-jobserver",
	}
	env, err := json.Marshal(map[string]any{
		"command": InstallDir + "/bin/processboot",
		// The AWS SDK reads the region from the environment, not from the
		// instance metadata, so the worker gets it explicitly.
		"env": map[string]string{"AWS_REGION": c.Region},
	})
	if err != nil {
		return nil, fmt.Errorf("emr plan: %w", err)
	}
	d.EnvironmentConfig = string(env)
	pattern, err := json.Marshal(map[string]any{
		"source":      []string{"aws.emr"},
		"detail-type": []string{"EMR Step Status Change"},
		"detail": map[string]any{
			"state": []string{"FAILED"},
			"name":  []string{d.JobServerStep, d.SubmitStep},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("emr plan: %w", err)
	}
	d.StepFailedPattern = string(pattern)
	for _, t := range OutputTables {
		d.OutputPrefixes = append(d.OutputPrefixes, c.Prefix+"/"+t)
	}
	p := &Plan{Config: c, Sizing: sz, Files: map[string][]byte{}}
	for name := range Files {
		var b bytes.Buffer
		if err := templates.ExecuteTemplate(&b, name+".tmpl", d); err != nil {
			return nil, fmt.Errorf("emr plan: rendering %s: %w", name, err)
		}
		if strings.HasSuffix(name, ".json") {
			// Re-indent: it proves the document is valid JSON and gives
			// stable, readable output whatever the template's layout.
			var out bytes.Buffer
			if err := json.Indent(&out, b.Bytes(), "", "  "); err != nil {
				return nil, fmt.Errorf("emr plan: %s is not valid JSON: %w", name, err)
			}
			out.WriteByte('\n')
			b = out
		}
		p.Files[name] = b.Bytes()
	}
	return p, nil
}

// Names returns the plan's file names, sorted.
func (p *Plan) Names() []string {
	names := make([]string, 0, len(p.Files))
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// WriteDir writes every file of the plan into dir, creating it.
func (p *Plan) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("emr plan: %w", err)
	}
	for _, name := range p.Names() {
		if err := os.WriteFile(filepath.Join(dir, name), p.Files[name], Files[name]); err != nil {
			return fmt.Errorf("emr plan: writing %s: %w", name, err)
		}
	}
	return nil
}
