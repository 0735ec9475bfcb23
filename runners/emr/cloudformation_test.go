package emr

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/deliverypipe/deliverypipe/runners/emr/render"
)

// template parses cloudformation.yaml. CloudFormation's short-form intrinsic
// functions (!Ref, !Sub, ...) are YAML tags, which yaml.Node keeps.
func template(t *testing.T) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile("cloudformation.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("cloudformation.yaml: %v", err)
	}
	return doc.Content[0]
}

// get walks mapping keys; nil when a key is missing.
func get(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func keysOf(n *yaml.Node) []string {
	var k []string
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		k = append(k, n.Content[i].Value)
	}
	return k
}

func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{n.Value}
	}
	var s []string
	for _, c := range n.Content {
		s = append(s, c.Value)
	}
	return s
}

// resources returns the template's resources of a type, by logical id.
func resources(root *yaml.Node, typ string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	res := get(root, "Resources")
	for _, id := range keysOf(res) {
		if r := get(res, id); get(r, "Type").Value == typ {
			out[id] = r
		}
	}
	return out
}

// TestParametersMatchTheDocs checks that the parameter table in
// docs/deploy-emr.md and the plan's cfn-parameters.json name exactly the
// template's parameters.
func TestParametersMatchTheDocs(t *testing.T) {
	params := keysOf(get(template(t), "Parameters"))
	sort.Strings(params)

	doc, err := os.ReadFile("../../docs/deploy-emr.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "<!-- cfn-parameters -->")
	table, _, ok2 := strings.Cut(table, "<!-- /cfn-parameters -->")
	if !ok || !ok2 {
		t.Fatal("docs/deploy-emr.md lacks the <!-- cfn-parameters --> table")
	}
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\|").FindAllStringSubmatch(table, -1) {
		documented = append(documented, m[1])
	}
	sort.Strings(documented)
	if !slices.Equal(documented, params) {
		t.Errorf("docs/deploy-emr.md documents %q, the template has %q", documented, params)
	}

	plan, err := render.Render(render.Config{Stream: "orders", Bucket: "acme-dp", Table: "dp-kpis", Region: "eu-west-1", Account: "123456789012"})
	if err != nil {
		t.Fatal(err)
	}
	var rendered []struct{ ParameterKey, ParameterValue string }
	if err := json.Unmarshal(plan.Files["cfn-parameters.json"], &rendered); err != nil {
		t.Fatal(err)
	}
	var keys []string
	values := map[string]string{}
	for _, p := range rendered {
		keys = append(keys, p.ParameterKey)
		values[p.ParameterKey] = p.ParameterValue
	}
	sort.Strings(keys)
	if !slices.Equal(keys, params) {
		t.Errorf("cfn-parameters.json sets %q, the template has %q", keys, params)
	}
	// Every rendered value must pass the template's own AllowedPattern.
	for _, k := range params {
		if pat := get(template(t), "Parameters", k, "AllowedPattern"); pat != nil {
			if !regexp.MustCompile(pat.Value).MatchString(values[k]) {
				t.Errorf("%s=%q does not match the template's AllowedPattern %s", k, values[k], pat.Value)
			}
		}
	}
	if values["ProcessedBucketName"] != "acme-dp" || values["CheckpointBucketName"] != "acme-dp-checkpoints" ||
		values["KpiTableName"] != "dp-kpis" || values["ShardCount"] != "2" {
		t.Errorf("rendered parameters %v", values)
	}
}

func TestTemplateResources(t *testing.T) {
	root := template(t)

	streams := resources(root, "AWS::Kinesis::Stream")
	if len(streams) != 1 {
		t.Fatalf("%d streams", len(streams))
	}
	for id, s := range streams {
		if get(s, "Properties", "StreamEncryption", "EncryptionType").Value != "KMS" {
			t.Errorf("%s: stream encryption is not KMS", id)
		}
	}

	buckets := resources(root, "AWS::S3::Bucket")
	if len(buckets) != 3 {
		t.Errorf("%d buckets, want raw, processed and checkpoints", len(buckets))
	}
	for id, b := range buckets {
		pab := get(b, "Properties", "PublicAccessBlockConfiguration")
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if v := get(pab, k); v == nil || v.Value != "true" {
				t.Errorf("%s: %s is not true", id, k)
			}
		}
		if get(b, "Properties", "BucketEncryption", "ServerSideEncryptionConfiguration") == nil {
			t.Errorf("%s: no BucketEncryption", id)
		}
	}
	raw := get(get(buckets["RawBucket"], "Properties", "LifecycleConfiguration", "Rules").Content[0], "Transitions").Content[0]
	if get(raw, "StorageClass").Value != "GLACIER" {
		t.Errorf("raw bucket lifecycle moves to %q", get(raw, "StorageClass").Value)
	}

	wantKeys := map[string]string{ // logical id → "attr:type:keytype ..."
		"KpiTable":        "pk:S:HASH sk:N:RANGE",
		"StatusTable":     "order_id:S:HASH",
		"CheckpointTable": "stream:S:HASH shard:S:RANGE",
	}
	tables := resources(root, "AWS::DynamoDB::Table")
	if len(tables) != len(wantKeys) {
		t.Errorf("%d tables, want %d", len(tables), len(wantKeys))
	}
	for id, tb := range tables {
		p := get(tb, "Properties")
		types := map[string]string{}
		for _, a := range get(p, "AttributeDefinitions").Content {
			types[get(a, "AttributeName").Value] = get(a, "AttributeType").Value
		}
		var ks []string
		for _, k := range get(p, "KeySchema").Content {
			name := get(k, "AttributeName").Value
			ks = append(ks, name+":"+types[name]+":"+get(k, "KeyType").Value)
		}
		if got := strings.Join(ks, " "); got != wantKeys[id] {
			t.Errorf("%s keys %q, want %q", id, got, wantKeys[id])
		}
		if get(p, "BillingMode").Value != "PAY_PER_REQUEST" || get(p, "SSESpecification", "SSEEnabled").Value != "true" {
			t.Errorf("%s: billing %q, SSE %q", id, get(p, "BillingMode").Value, get(p, "SSESpecification", "SSEEnabled").Value)
		}
	}

	clusters := resources(root, "AWS::EMR::Cluster")
	if len(clusters) != 1 {
		t.Fatalf("%d EMR clusters", len(clusters))
	}
	for _, c := range clusters {
		var apps []string
		for _, a := range get(c, "Properties", "Applications").Content {
			apps = append(apps, get(a, "Name").Value)
		}
		if !slices.Contains(apps, "Flink") {
			t.Errorf("cluster applications %q lack Flink", apps)
		}
		if v := get(c, "Properties", "ReleaseLabel"); v.Value != "ReleaseLabel" || get(root, "Parameters", "ReleaseLabel", "Default").Value != render.DefaultReleaseLabel {
			t.Errorf("cluster release label %q (default must be %s)", v.Value, render.DefaultReleaseLabel)
		}
	}
}

// TestInstanceRoleMatchesThePlanPolicy compares the template's instance role
// policy with the plan's iam-policy.json statement by statement (actions;
// resources differ only in how they are spelled: !GetAtt/!Sub vs ARNs).
func TestInstanceRoleMatchesThePlanPolicy(t *testing.T) {
	root := template(t)
	stmts := get(get(get(root, "Resources", "InstanceRole", "Properties"), "Policies").Content[0], "PolicyDocument", "Statement")
	cfn := map[string][]string{}
	for _, s := range stmts.Content {
		if s.Tag == "!If" { // the KMS statement, present only with a key
			s = s.Content[1]
		}
		a := scalars(get(s, "Action"))
		sort.Strings(a)
		cfn[get(s, "Sid").Value] = a
	}
	plan, err := render.Render(render.Config{Stream: "orders", Bucket: "acme-dp", Table: "dp-kpis", Region: "eu-west-1",
		Account: "123456789012", KMSKeyARN: "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"})
	if err != nil {
		t.Fatal(err)
	}
	var pol struct {
		Statement []struct {
			Sid    string
			Action []string
		}
	}
	if err := json.Unmarshal(plan.Files["iam-policy.json"], &pol); err != nil {
		t.Fatal(err)
	}
	planStmts := map[string][]string{}
	for _, s := range pol.Statement {
		sort.Strings(s.Action)
		planStmts[s.Sid] = s.Action
	}
	if len(cfn) != len(planStmts) {
		t.Errorf("template statements %v, plan statements %v", keys(cfn), keys(planStmts))
	}
	for sid, a := range planStmts {
		if !slices.Equal(cfn[sid], a) {
			t.Errorf("statement %s: template actions %q, plan %q", sid, cfn[sid], a)
		}
	}
	// Write prefixes: one per pipeline table, as in the plan.
	var prefixes []string
	for _, s := range stmts.Content {
		if get(s, "Sid") != nil && get(s, "Sid").Value == "WritePipelineTables" {
			for _, r := range get(s, "Resource").Content {
				prefixes = append(prefixes, strings.TrimSuffix(strings.TrimPrefix(r.Value, "${ProcessedBucket.Arn}/${PipelinePrefix}/"), "/*"))
			}
		}
	}
	want := slices.Clone(render.OutputTables)
	sort.Strings(prefixes)
	sort.Strings(want)
	if !slices.Equal(prefixes, want) {
		t.Errorf("template write prefixes %q, want %q", prefixes, want)
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

// TestCfnLint runs the pinned cfn-lint (requirements.txt) on the template,
// creating the venv make cfn-lint uses when it is missing; any finding
// (error, warning or informational) fails. So does a linter that cannot be
// installed: a skip would let make test pass with the template unchecked.
func TestCfnLint(t *testing.T) {
	venv, err := filepath.Abs("../../.cache/venv-cfn")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(venv, "bin", "cfn-lint")
	if _, err := os.Stat(filepath.Join(venv, ".installed")); err != nil {
		py, err := exec.LookPath("python3")
		if err != nil {
			t.Fatal("python3 not found: cannot create the cfn-lint venv (make test needs Python 3)")
		}
		for _, args := range [][]string{
			{py, "-m", "venv", venv},
			{filepath.Join(venv, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"},
		} {
			if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("cannot create the cfn-lint venv (%v): %v\n%s", args, err, out)
			}
		}
		if err := os.WriteFile(filepath.Join(venv, ".installed"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(bin, "cloudformation.yaml").CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint cloudformation.yaml: %v\n%s", err, out)
	}
}
