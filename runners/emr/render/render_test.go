package render

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const (
	sampleKey   = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	otherRegion = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

func sample() Config {
	return Config{Stream: "orders", Bucket: "acme-dp", Table: "dp-kpis", Region: "eu-west-1", Account: "123456789012"}
}

func mustRender(t *testing.T, c Config) *Plan {
	t.Helper()
	p, err := Render(c)
	if err != nil {
		t.Fatalf("Render(%+v): %v", c, err)
	}
	return p
}

func decode[T any](t *testing.T, p *Plan, name string) T {
	t.Helper()
	var v T
	if !json.Valid(p.Files[name]) {
		t.Fatalf("%s is not valid JSON:\n%s", name, p.Files[name])
	}
	if err := json.Unmarshal(p.Files[name], &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

type statement struct {
	Sid      string
	Effect   string
	Action   []string
	Resource []string
}

type policy struct {
	Version   string
	Statement []statement
}

// expectedResources is the policy's resource set, built from the inputs
// independently of the templates.
func expectedResources(c Config) []string {
	c = c.withDefaults()
	bucket := "arn:aws:s3:::" + c.Bucket
	ckpt := "arn:aws:s3:::" + c.CheckpointBucket
	want := []string{
		fmt.Sprintf("arn:aws:kinesis:%s:%s:stream/%s", c.Region, c.Account, c.Stream),
		bucket, bucket + "/deploy/*", bucket + "/emr-logs/*", ckpt + "/flink/*",
	}
	if ckpt != bucket {
		want = append(want, ckpt)
	}
	for _, t := range []string{"events", "kpis", "restaurant_kpis", "zone_kpis", "order_facts", "dlq"} {
		want = append(want, bucket+"/"+c.Prefix+"/"+t+"/*")
	}
	for _, t := range []string{c.Table, c.StatusTable, c.CheckpointTable} {
		want = append(want, fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s", c.Region, c.Account, t))
	}
	if c.KMSKeyARN != "" {
		want = append(want, c.KMSKeyARN)
	}
	sort.Strings(want)
	return want
}

func TestPolicyResourcesAreExactlyTheGivenOnes(t *testing.T) {
	withKey := sample()
	withKey.KMSKeyARN = sampleKey
	twoBuckets := sample()
	twoBuckets.CheckpointBucket = "acme-dp-checkpoints"
	twoBuckets.StatusTable, twoBuckets.Prefix = "orders-status", "prod/dp"
	for name, c := range map[string]Config{"no key": sample(), "kms key": withKey, "checkpoint bucket": twoBuckets} {
		t.Run(name, func(t *testing.T) {
			pol := decode[policy](t, mustRender(t, c), "iam-policy.json")
			if pol.Version != "2012-10-17" {
				t.Errorf("Version = %q", pol.Version)
			}
			var got []string
			kms := false
			for _, s := range pol.Statement {
				if s.Effect != "Allow" || len(s.Action) == 0 || len(s.Resource) == 0 {
					t.Errorf("statement %s: effect %q, %d actions, %d resources", s.Sid, s.Effect, len(s.Action), len(s.Resource))
				}
				for _, a := range s.Action {
					if strings.Contains(a, "*") {
						t.Errorf("statement %s: wildcard action %q", s.Sid, a)
					}
					if strings.HasPrefix(a, "kms:") {
						kms = true
					}
				}
				got = append(got, s.Resource...)
			}
			sort.Strings(got)
			if want := expectedResources(c); !slices.Equal(got, want) {
				t.Errorf("resources:\n got %q\nwant %q", got, want)
			}
			for _, r := range got {
				// The only wildcards are object keys under our own prefixes.
				if i := strings.Index(r, "*"); i >= 0 && (!strings.HasPrefix(r, "arn:aws:s3:::") || !strings.HasSuffix(r, "/*") || i != len(r)-1) {
					t.Errorf("wildcard resource %q", r)
				}
			}
			if kms != (c.KMSKeyARN != "") {
				t.Errorf("KMS statement present = %v, key given = %q", kms, c.KMSKeyARN)
			}
		})
	}
}

func TestPolicyActions(t *testing.T) {
	c := sample()
	c.KMSKeyARN = sampleKey
	pol := decode[policy](t, mustRender(t, c), "iam-policy.json")
	byService := map[string][]string{}
	for _, s := range pol.Statement {
		for _, a := range s.Action {
			svc, _, _ := strings.Cut(a, ":")
			if !slices.Contains(byService[svc], a) {
				byService[svc] = append(byService[svc], a)
			}
		}
	}
	want := map[string][]string{
		"kinesis":  {"kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:ListShards"},
		"s3":       {"s3:AbortMultipartUpload", "s3:DeleteObject", "s3:GetObject", "s3:ListBucket", "s3:PutObject"},
		"dynamodb": {"dynamodb:BatchWriteItem", "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"},
		"kms":      {"kms:Decrypt", "kms:GenerateDataKey"},
	}
	if len(byService) != len(want) {
		t.Errorf("services %v, want %v", keys(byService), keys(want))
	}
	for svc, w := range want {
		got := byService[svc]
		sort.Strings(got)
		if !slices.Equal(got, w) {
			t.Errorf("%s actions = %q, want %q", svc, got, w)
		}
	}
	// DeleteObject only on Flink's checkpoint prefix: Flink removes old checkpoints.
	for _, s := range pol.Statement {
		if slices.Contains(s.Action, "s3:DeleteObject") && (len(s.Resource) != 1 || !strings.HasSuffix(s.Resource[0], "/flink/*")) {
			t.Errorf("s3:DeleteObject on %q", s.Resource)
		}
	}
}

func keys[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// TestOutputTablesMatchThePipeline reads the table names the pipeline writes
// from pipelines/delivery/sinks.go (parsed, so this test does not link the
// whole graph) and checks the policy's write prefixes cover exactly them.
func TestOutputTablesMatchThePipeline(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../../../pipelines/delivery/sinks.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || !strings.HasSuffix(vs.Names[0].Name, "TableName") || len(vs.Values) != 1 {
			return true
		}
		if lit, ok := vs.Values[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			s, _ := strconv.Unquote(lit.Value)
			names = append(names, s)
		}
		return true
	})
	want := slices.Clone(OutputTables)
	sort.Strings(names)
	sort.Strings(want)
	if !slices.Equal(names, want) {
		t.Errorf("pipelines/delivery writes tables %q, the policy grants %q", names, want)
	}
}

func TestEveryJSONFileIsValidAndScriptsParse(t *testing.T) {
	c := sample()
	c.KMSKeyARN, c.SubnetID, c.KeyName = sampleKey, "subnet-0abc1234", "ops"
	for name, c := range map[string]Config{"minimal": sample(), "full": c} {
		t.Run(name, func(t *testing.T) {
			p := mustRender(t, c)
			if len(p.Files) != len(Files) {
				t.Errorf("%d files, want %d", len(p.Files), len(Files))
			}
			dir := t.TempDir()
			if err := p.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			for _, n := range p.Names() {
				switch filepath.Ext(n) {
				case ".json":
					if !json.Valid(p.Files[n]) {
						t.Errorf("%s: invalid JSON", n)
					}
				case ".sh":
					if out, err := exec.Command("bash", "-n", filepath.Join(dir, n)).CombinedOutput(); err != nil {
						t.Errorf("bash -n %s: %v\n%s", n, err, out)
					}
					if st, _ := os.Stat(filepath.Join(dir, n)); st.Mode()&0o111 == 0 {
						t.Errorf("%s is not executable", n)
					}
				}
				if s := string(p.Files[n]); strings.Contains(s, "<no value>") {
					t.Errorf("%s has an unfilled template field", n)
				}
			}
		})
	}
}

type createCluster struct {
	Name, ReleaseLabel, LogUri, ServiceRole, JobFlowRole string
	Applications                                         []struct{ Name string }
	Instances                                            struct {
		InstanceGroups []struct {
			InstanceRole, InstanceType string
			InstanceCount              int
		}
		Ec2SubnetId string
		Ec2KeyName  *string
	}
	BootstrapActions []struct {
		ScriptBootstrapAction struct{ Path string }
	}
	Configurations []struct {
		Classification string
		Properties     map[string]string
	}
	Tags []struct{ Key, Value string }
}

func TestCreateCluster(t *testing.T) {
	c := sample()
	c.SubnetID, c.CheckpointBucket, c.Sizing.PerCoreEventsPerSecond = "subnet-0abc1234", "acme-ckpt", 400
	c.Sizing.EventsPerSecond = 5000
	p := mustRender(t, c)
	cc := decode[createCluster](t, p, "create-cluster.json")
	if cc.ReleaseLabel != DefaultReleaseLabel || cc.Name != "deliverypipe" || cc.LogUri != "s3://acme-dp/emr-logs/" {
		t.Errorf("release %q name %q log %q", cc.ReleaseLabel, cc.Name, cc.LogUri)
	}
	if cc.ServiceRole != "deliverypipe-emr-service-role" || cc.JobFlowRole != "deliverypipe-emr-ec2-profile" {
		t.Errorf("roles %q %q (must match cloudformation.yaml's names)", cc.ServiceRole, cc.JobFlowRole)
	}
	if !slices.ContainsFunc(cc.Applications, func(a struct{ Name string }) bool { return a.Name == "Flink" }) {
		t.Errorf("applications %+v lack Flink", cc.Applications)
	}
	if len(cc.BootstrapActions) != 1 || cc.BootstrapActions[0].ScriptBootstrapAction.Path != "s3://acme-dp/deploy/emr/bootstrap.sh" {
		t.Errorf("bootstrap actions %+v", cc.BootstrapActions)
	}
	if cc.Instances.Ec2SubnetId != "subnet-0abc1234" || cc.Instances.Ec2KeyName != nil {
		t.Errorf("subnet %q key %v", cc.Instances.Ec2SubnetId, cc.Instances.Ec2KeyName)
	}
	counts := map[string]int{}
	for _, g := range cc.Instances.InstanceGroups {
		counts[g.InstanceRole] = g.InstanceCount
	}
	if counts["MASTER"] != 1 || counts["CORE"] != p.Sizing.CoreNodes {
		t.Errorf("instance counts %v, want 1 primary and %d core", counts, p.Sizing.CoreNodes)
	}
	// AmazonEMRServicePolicy_v2 (the template's service role) acts only on tagged resources.
	if !slices.Contains(cc.Tags, struct{ Key, Value string }{"for-use-with-amazon-emr-managed-policies", "true"}) {
		t.Errorf("tags %+v lack for-use-with-amazon-emr-managed-policies=true", cc.Tags)
	}
	if len(cc.Configurations) != 1 || cc.Configurations[0].Classification != "flink-conf" {
		t.Fatalf("configurations %+v", cc.Configurations)
	}
	conf := cc.Configurations[0].Properties
	if conf["parallelism.default"] != strconv.Itoa(p.Sizing.Parallelism) || conf["taskmanager.numberOfTaskSlots"] != "8" ||
		conf["state.checkpoints.dir"] != "s3://acme-ckpt/flink/checkpoints" {
		t.Errorf("flink-conf %v (sizing %+v)", conf, p.Sizing)
	}
}

func TestSteps(t *testing.T) {
	c := sample()
	c.KMSKeyARN = sampleKey
	type step struct {
		Type, Name, ActionOnFailure, Jar string
		Args                             []string
	}
	steps := decode[[]step](t, mustRender(t, c), "steps.json")
	if len(steps) != 2 {
		t.Fatalf("%d steps, want 2", len(steps))
	}
	submit := steps[1].Args
	for _, want := range []string{
		"--runner=flink", "--endpoint=localhost:8099", "--environment_type=PROCESS",
		"--worker_binary=/opt/deliverypipe/bin/pipeline", "--stream=orders", "--bucket=acme-dp",
		"--kpi-table=dp-kpis", "--status-table=dp-kpis-status", "--kms-key=" + sampleKey, "AWS_REGION=eu-west-1",
	} {
		if !slices.Contains(submit, want) {
			t.Errorf("submit step lacks %q: %q", want, submit)
		}
	}
	var env struct {
		Command string
		Env     map[string]string
	}
	for _, a := range submit {
		if v, ok := strings.CutPrefix(a, "--environment_config="); ok {
			if err := json.Unmarshal([]byte(v), &env); err != nil {
				t.Fatalf("environment_config %q: %v", v, err)
			}
		}
	}
	if env.Command != "/opt/deliverypipe/bin/processboot" || env.Env["AWS_REGION"] != "eu-west-1" {
		t.Errorf("environment_config = %+v", env)
	}
	if !strings.Contains(strings.Join(steps[0].Args, " "), "s3://acme-dp/deploy/emr/start-jobserver.sh") {
		t.Errorf("job server step: %q", steps[0].Args)
	}
}

type alarms struct {
	MetricAlarms []struct {
		Namespace, MetricName string
		Dimensions            []struct{ Name, Value string }
		AlarmActions          []string
	}
	EventRules []struct {
		Rule    struct{ Name, EventPattern string }
		Targets []struct{ Arn string }
	}
}

func TestAlarms(t *testing.T) {
	a := decode[alarms](t, mustRender(t, sample()), "alarms.json")
	var metrics []string
	for _, m := range a.MetricAlarms {
		metrics = append(metrics, m.MetricName)
		if m.Namespace != "AWS/Kinesis" || len(m.Dimensions) != 1 || m.Dimensions[0] != (struct{ Name, Value string }{"StreamName", "orders"}) {
			t.Errorf("%s: namespace %q dimensions %+v", m.MetricName, m.Namespace, m.Dimensions)
		}
		if !slices.Equal(m.AlarmActions, []string{"arn:aws:sns:eu-west-1:123456789012:deliverypipe-alarms"}) {
			t.Errorf("%s: actions %q", m.MetricName, m.AlarmActions)
		}
	}
	sort.Strings(metrics)
	if want := []string{"GetRecords.IteratorAgeMilliseconds", "ReadProvisionedThroughputExceeded", "WriteProvisionedThroughputExceeded"}; !slices.Equal(metrics, want) {
		t.Errorf("alarm metrics %q, want %q", metrics, want)
	}
	if len(a.EventRules) != 1 {
		t.Fatalf("%d event rules, want 1", len(a.EventRules))
	}
	var pat struct {
		Source     []string `json:"source"`
		DetailType []string `json:"detail-type"`
		Detail     struct {
			State []string `json:"state"`
			Name  []string `json:"name"`
		} `json:"detail"`
	}
	if err := json.Unmarshal([]byte(a.EventRules[0].Rule.EventPattern), &pat); err != nil {
		t.Fatalf("event pattern: %v", err)
	}
	if !slices.Equal(pat.Source, []string{"aws.emr"}) || !slices.Equal(pat.DetailType, []string{"EMR Step Status Change"}) ||
		!slices.Equal(pat.Detail.State, []string{"FAILED"}) || !slices.Equal(pat.Detail.Name, []string{"deliverypipe-jobserver", "deliverypipe-submit"}) {
		t.Errorf("event pattern %+v", pat)
	}
}

func TestBadNamesFailWithAMessage(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*Config)
		want   string // in the error
	}{
		{"empty stream", func(c *Config) { c.Stream = "" }, "STREAM"},
		{"stream with space", func(c *Config) { c.Stream = "my orders" }, "STREAM"},
		{"uppercase bucket", func(c *Config) { c.Bucket = "Acme-DP" }, "BUCKET"},
		{"bucket too short", func(c *Config) { c.Bucket = "ab" }, "BUCKET"},
		{"bucket like an IP", func(c *Config) { c.Bucket = "192.168.1.1" }, "IP address"},
		{"bucket with ..", func(c *Config) { c.Bucket = "acme..dp" }, "adjacent periods"},
		{"table too short", func(c *Config) { c.Table = "ab" }, "TABLE"},
		{"table with slash", func(c *Config) { c.Table = "dp/kpis" }, "TABLE"},
		{"region", func(c *Config) { c.Region = "europe" }, "REGION"},
		{"account", func(c *Config) { c.Account = "1234" }, "ACCOUNT"},
		{"kms alias", func(c *Config) { c.KMSKeyARN = "alias/dp" }, "KMS_KEY_ARN"},
		{"kms other region", func(c *Config) { c.KMSKeyARN = otherRegion }, "region eu-west-1"},
		{"release 6", func(c *Config) { c.ReleaseLabel = "emr-6.15.0" }, "RELEASE_LABEL"},
		{"arch", func(c *Config) { c.Arch = "riscv64" }, "ARCH"},
		{"subnet", func(c *Config) { c.SubnetID = "sn-1" }, "SUBNET_ID"},
		{"prefix with slash", func(c *Config) { c.Prefix = "/dp/" }, "PREFIX"},
		{"negative rate", func(c *Config) { c.Sizing.EventsPerSecond = -1 }, "EVENTS_PER_SEC"},
		{"checkpoint bucket = bucket", func(c *Config) { c.CheckpointBucket = c.Bucket }, "must differ"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := sample()
			tc.mutate(&c)
			_, err := Render(c)
			if err == nil {
				t.Fatalf("Render accepted %+v", c)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	if _, err := Render(Config{}); err == nil || strings.Count(err.Error(), "\n") < 4 {
		t.Errorf("an empty config should report every missing name at once, got %v", err)
	}
}

func TestSizing(t *testing.T) {
	cases := []struct {
		name               string
		in                 SizingInput
		coreNodes          int
		shards, nodes, par int
		groups             int
		measured           bool
	}{
		// 1000 ev/s × 400 B = 0.38 MiB/s; 1000 records/s = 1 shard; × 1.5 → 2.
		{"defaults", SizingInput{}, 0, 2, 2, 16, 2, false},
		// 5000 × 1000 B = 4.77 MiB/s > 5 shards by records; × 1.5 = 7.15 → 8.
		// 5000 × 1.5 / 400 per slot = 18.75 → 19 slots → 3 nodes of 8.
		{"byte bound, measured", SizingInput{EventsPerSecond: 5000, RecordBytes: 1000, PerCoreEventsPerSecond: 400}, 0, 8, 3, 19, 8, true},
		// 20000 × 100 B = 1.9 MiB/s < 20 shards by records; × 2 = 40.
		// 20000 × 2 / 10000 = 4 slots; at least 2 nodes.
		{"record bound, fast slots", SizingInput{EventsPerSecond: 20000, RecordBytes: 100, Headroom: 2, PerCoreEventsPerSecond: 10000}, 0, 40, 2, 4, 4, true},
		// Forced to 1 node: parallelism capped at its 8 slots.
		{"forced nodes", SizingInput{EventsPerSecond: 5000, RecordBytes: 1000, PerCoreEventsPerSecond: 400}, 1, 8, 1, 8, 8, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := size(tc.in, 8, tc.coreNodes)
			if s.Shards != tc.shards || s.CoreNodes != tc.nodes || s.Parallelism != tc.par || s.ShardGroups != tc.groups || s.Measured != tc.measured {
				t.Errorf("got shards %d nodes %d parallelism %d groups %d measured %v, want %d %d %d %d %v",
					s.Shards, s.CoreNodes, s.Parallelism, s.ShardGroups, s.Measured, tc.shards, tc.nodes, tc.par, tc.groups, tc.measured)
			}
			if by := s.EventsPerSecond * s.RecordBytes / (1 << 20); math.Abs(by-s.ShardsByBytes) > 1e-9 {
				t.Errorf("ShardsByBytes %g, want %g", s.ShardsByBytes, by)
			}
		})
	}
	md := string(mustRender(t, sample()).Files["sizing.md"])
	if !strings.Contains(md, "PLACEHOLDER") {
		t.Error("sizing.md without a measurement must carry the placeholder")
	}
	c := sample()
	c.Sizing.PerCoreEventsPerSecond = 400
	if md := string(mustRender(t, c).Files["sizing.md"]); strings.Contains(md, "PLACEHOLDER") {
		t.Error("sizing.md with a measurement still carries the placeholder")
	}
}

// repoPatches lists the patches of Beam's classes that runners/jobserver.sh applies locally.
func repoPatches(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("../../jvm/patches/*.patch")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no patches in runners/jvm/patches (%v)", err)
	}
	var names []string
	for _, p := range paths {
		names = append(names, filepath.Base(p))
	}
	return names
}

// TestBootstrapAppliesTheJobServerPatches checks that every patch the local job server applies
// is uploaded and applied on EMR too, with the same refusal of inexact hunks, and that the
// launcher jar comes first on the job server's classpath.
func TestBootstrapAppliesTheJobServerPatches(t *testing.T) {
	p := mustRender(t, sample())
	boot, up := string(p.Files["bootstrap.sh"]), string(p.Files["upload.sh"])
	for _, name := range repoPatches(t) {
		if want := `"$repo/runners/jvm/patches/` + name + `" "s3://acme-dp/deploy/runners/` + name + `"`; !strings.Contains(up, want) {
			t.Errorf("upload.sh does not upload %s (want %s)", name, want)
		}
		if !strings.Contains(boot, name) {
			t.Errorf("bootstrap.sh does not apply %s", name)
		}
	}
	for _, want := range []string{
		"command -v patch >/dev/null || sudo dnf install -y -q patch",
		"patch --batch --forward --fuzz=0 ",
		"dependency:get -Dartifact=\"$coords:$version:jar:sources\"",
		`build_launcher "$js" "$jdk"`,
		`-cp "$js/launcher.jar:\$(<"$js/classpath.txt")"`,
	} {
		if !strings.Contains(boot, want) {
			t.Errorf("bootstrap.sh lacks %q", want)
		}
	}
}

// shellFunc returns the definition of the shell function name in script: from its "name() {"
// line to the next line that is "}".
func shellFunc(t *testing.T, script, name string) string {
	t.Helper()
	_, body, ok := strings.Cut(script, "\n"+name+"() {\n")
	body, _, ok2 := strings.Cut(body, "\n}\n")
	if !ok || !ok2 {
		t.Fatalf("no function %s in the script", name)
	}
	return name + "() {\n" + body + "\n}\n"
}

// fakeAWS is an aws command that knows only `aws s3 cp [--flags] SRC DST`, with s3://bucket/key
// a file $FAKE_S3/bucket/key.
const fakeAWS = `#!/usr/bin/env bash
set -euo pipefail
[[ ${1-} == s3 && ${2-} == cp ]] || { echo "fake aws: unexpected: aws $*" >&2; exit 2; }
shift 2
args=()
for a; do [[ $a == --* ]] || args+=("$a"); done
[[ ${#args[@]} == 2 ]] || { echo "fake aws: s3 cp takes SRC DST, got ${args[*]}" >&2; exit 2; }
local_path() { if [[ $1 == s3://* ]]; then echo "$FAKE_S3/${1#s3://}"; else echo "$1"; fi; }
src=$(local_path "${args[0]}")
dst=$(local_path "${args[1]}")
mkdir -p "$(dirname "$dst")"
cp "$src" "$dst"
`

// TestBootstrapBuildsThePatchedLauncher runs the rendered upload.sh into a fake S3 (fakeAWS)
// and then the rendered bootstrap's launcher build (build_launcher, as on the primary node)
// from there, for real: Maven on this checkout's runners/flink/pom.xml with the local Maven
// repository, the sources jar, patch --fuzz=0 and javac. The result must hold the patched
// SdkHarnessClient; a patch whose context no longer matches exactly must fail the bootstrap.
func TestBootstrapBuildsThePatchedLauncher(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs Maven and javac (7-20 s on 2 cores)")
	}
	for _, tool := range []string{"mvn", "javac", "jar", "javap", "patch"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: this test runs the EMR bootstrap's launcher build (needs a JDK 17, Maven and patch, as the local job server does; -short skips it)", tool)
		}
	}
	javac, _ := exec.LookPath("javac")
	javac, err := filepath.EvalSymlinks(javac)
	if err != nil {
		t.Fatal(err)
	}
	jdk := filepath.Dir(filepath.Dir(javac))
	repo, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	plan, fakeBin, s3, js := filepath.Join(dir, "plan"), filepath.Join(dir, "fakebin"), filepath.Join(dir, "s3"), filepath.Join(dir, "jobserver")
	p := mustRender(t, sample())
	if err := p.WriteDir(plan); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{fakeBin, js, filepath.Join(plan, "bin/linux-amd64"), filepath.Join(plan, "bin/linux-arm64")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, arch := range []string{"amd64", "arm64"} {
		for _, b := range []string{"pipeline", "processboot"} {
			if err := os.WriteFile(filepath.Join(plan, "bin/linux-"+arch, b), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(fakeBin, "aws"), []byte(fakeAWS), 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "PATH="+fakeBin+string(os.PathListSeparator)+os.Getenv("PATH"), "FAKE_S3="+s3, "REPO="+repo)
	run := func(args ...string) ([]byte, error) {
		cmd := exec.Command("bash", args...)
		cmd.Env = env
		return cmd.CombinedOutput()
	}
	if out, err := run(filepath.Join(plan, "upload.sh")); err != nil {
		t.Fatalf("upload.sh: %v\n%s", err, out)
	}

	boot := string(p.Files["bootstrap.sh"])
	fns := "set -euo pipefail\ndeploy=s3://acme-dp/deploy\n" +
		shellFunc(t, boot, "fail") + shellFunc(t, boot, "build_launcher") + shellFunc(t, boot, "patch_launcher")
	if out, err := run("-c", fns+`build_launcher "$1" "$2"`, "bootstrap", js, jdk); err != nil {
		t.Fatalf("build_launcher: %v\n%s", err, out)
	}
	for _, name := range repoPatches(t) {
		want, _ := os.ReadFile(filepath.Join("../../jvm/patches", name))
		if got, err := os.ReadFile(filepath.Join(js, name)); err != nil || string(got) != string(want) {
			t.Errorf("the bootstrap's copy of %s differs from the repository's (%v)", name, err)
		}
	}
	jar := filepath.Join(js, "launcher.jar")
	out, err := exec.Command("jar", "tf", jar).Output()
	if err != nil {
		t.Fatalf("jar tf %s: %v", jar, err)
	}
	entries := strings.Fields(string(out))
	for _, want := range []string{
		"LoopbackJobServer.class",
		"org/apache/beam/runners/fnexecution/control/SdkHarnessClient.class",
		"org/apache/beam/runners/fnexecution/control/SdkHarnessClient$BundleProcessor$ActiveBundle.class",
	} {
		if !slices.Contains(entries, want) {
			t.Errorf("launcher.jar lacks %s; it has %q", want, entries)
		}
	}
	// The field the patch adds: the class in the jar is the patched one, not Beam's.
	out, err = exec.Command("javap", "-p", "-cp", jar, "org.apache.beam.runners.fnexecution.control.SdkHarnessClient").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "EMBEDDED_ELEMENTS_EXECUTOR") {
		t.Errorf("javap SdkHarnessClient from launcher.jar: %v, no EMBEDDED_ELEMENTS_EXECUTOR:\n%s", err, out)
	}

	// One changed context line (the first of its hunk, which patch's default fuzz would
	// ignore) must fail the build, naming the patch, and leave no launcher.jar.
	patchFile := filepath.Join(js, "SdkHarnessClient-drain-while-waiting.patch")
	b, err := os.ReadFile(patchFile)
	if err != nil {
		t.Fatal(err)
	}
	ctx := "\n public class SdkHarnessClient implements AutoCloseable {\n"
	if !strings.Contains(string(b), ctx) {
		t.Fatalf("the patch no longer has the context line %q this test changes", ctx)
	}
	stale := strings.Replace(string(b), ctx, "\n public class SdkHarnessClient implements AutoCloseable, Cloneable {\n", 1)
	if err := os.WriteFile(patchFile, []byte(stale), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = run("-c", fns+`patch_launcher "$1" "$2"`, "bootstrap", js, jdk)
	if err == nil || !strings.Contains(string(out), "bootstrap: SdkHarnessClient-drain-while-waiting.patch does not apply") {
		t.Errorf("a stale patch: err %v, output:\n%s", err, out)
	}
	if _, err := os.Stat(jar); err == nil {
		t.Error("a stale patch left a launcher.jar")
	}
}
