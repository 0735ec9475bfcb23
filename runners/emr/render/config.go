package render

import (
	"errors"
	"fmt"
	"strings"
)

// Defaults for the optional Config fields.
const (
	// DefaultReleaseLabel is the newest EMR release whose release notes name
	// Flink 1.19 (emr-7.4.0 upgraded Flink to 1.19.1; emr-7.7.0 ships 1.20.0).
	// The Beam 2.62.0 job server is built against Flink 1.19 (beam-runners-flink-1.19),
	// and Flink's REST job submission is compatible across patch versions.
	DefaultReleaseLabel = "emr-7.4.0"
	// DefaultPrefix is cmd/pipeline's --prefix default: the key prefix of every
	// table the pipeline writes.
	DefaultPrefix = "deliverypipe"
	// BeamVersion must equal the Beam Go SDK version in go.mod and
	// beam.version in runners/flink/pom.xml.
	BeamVersion = "2.62.0"
	// JobPort and ArtifactPort are the job server's fixed loopback ports on the
	// primary node; the submit step connects to JobPort.
	JobPort      = 8099
	ArtifactPort = 8098
	// InstallDir is where the bootstrap action puts the binaries and the job
	// server on every node.
	InstallDir = "/opt/deliverypipe"
)

// OutputTables are the table directories the pipeline writes under
// <prefix>/ in the bucket (pipelines/delivery's *TableName constants); the
// policy grants writes on exactly these. A test checks they match.
var OutputTables = []string{"events", "kpis", "restaurant_kpis", "zone_kpis", "order_facts", "dlq"}

// Config names the AWS resources of one deployment. Stream, Bucket, Table,
// Region and Account are required; the rest have defaults.
type Config struct {
	Stream  string // Kinesis stream name
	Bucket  string // S3 bucket: pipeline tables, deploy/ artifacts, emr-logs/
	Table   string // DynamoDB window KPI table
	Region  string // AWS region of every resource
	Account string // 12-digit account id owning the stream, bucket and tables

	CheckpointBucket string // S3 bucket for Flink checkpoints and savepoints (flink/); default <Bucket>-checkpoints
	RawBucket        string // raw event archive bucket of the CloudFormation stack; default <Bucket>-raw
	RawGlacierDays   int    // age in days after which raw objects move to GLACIER; default 30
	StatusTable      string // order status table; default <Table>-status
	CheckpointTable  string // Kinesis checkpoint table (issue 7); default <Table>-checkpoints
	KMSKeyARN        string // customer managed key of the stream/bucket; empty: no KMS statement
	ClusterName      string // EMR cluster name; default deliverypipe
	ReleaseLabel     string // EMR release; default DefaultReleaseLabel
	Prefix           string // key prefix of the pipeline tables; default DefaultPrefix
	Arch             string // arm64 (Graviton, default) or amd64: picks the instance types
	CoreNodes        int    // core instance count; default from Sizing, at least 2
	AlarmTopicARN    string // SNS topic for alarms; default arn:...:sns:<region>:<account>:<cluster>-alarms
	SubnetID         string // EC2 subnet of the cluster; empty lets EMR pick the default VPC
	KeyName          string // EC2 key pair for SSH (Flink UI tunnel); empty: no SSH key
	Sizing           SizingInput
}

// withDefaults returns c with every empty optional field set.
func (c Config) withDefaults() Config {
	if c.CheckpointBucket == "" && c.Bucket != "" {
		c.CheckpointBucket = c.Bucket + "-checkpoints"
	}
	if c.RawGlacierDays == 0 {
		c.RawGlacierDays = 30
	}
	if c.RawBucket == "" && c.Bucket != "" {
		c.RawBucket = c.Bucket + "-raw"
	}
	if c.StatusTable == "" && c.Table != "" {
		c.StatusTable = c.Table + "-status"
	}
	if c.CheckpointTable == "" && c.Table != "" {
		c.CheckpointTable = c.Table + "-checkpoints"
	}
	if c.ClusterName == "" {
		c.ClusterName = "deliverypipe"
	}
	if c.ReleaseLabel == "" {
		c.ReleaseLabel = DefaultReleaseLabel
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.Arch == "" {
		c.Arch = "arm64"
	}
	if c.AlarmTopicARN == "" && c.Region != "" && c.Account != "" {
		c.AlarmTopicARN = fmt.Sprintf("arn:%s:sns:%s:%s:%s-alarms", partition(c.Region), c.Region, c.Account, c.ClusterName)
	}
	c.Sizing = c.Sizing.withDefaults()
	return c
}

// Validate reports every invalid field at once, each error naming the field
// and what AWS accepts.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	check := func(field, value string, fn func(string) error) {
		if err := fn(value); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: %w", field, value, err))
		}
	}
	check("STREAM", c.Stream, validStream)
	check("BUCKET", c.Bucket, validBucket)
	check("CHECKPOINT_BUCKET", c.CheckpointBucket, validBucket)
	check("RAW_BUCKET", c.RawBucket, validBucket)
	if c.Bucket != "" && (c.CheckpointBucket == c.Bucket || c.RawBucket == c.Bucket || c.RawBucket == c.CheckpointBucket) {
		errs = append(errs, errors.New("BUCKET, CHECKPOINT_BUCKET and RAW_BUCKET must differ: the CloudFormation stack creates each"))
	}
	check("TABLE", c.Table, validTable)
	check("STATUS_TABLE", c.StatusTable, validTable)
	check("CHECKPOINT_TABLE", c.CheckpointTable, validTable)
	check("REGION", c.Region, validRegion)
	check("ACCOUNT", c.Account, validAccount)
	check("CLUSTER_NAME", c.ClusterName, validClusterName)
	check("PREFIX", c.Prefix, validPrefix)
	if c.KMSKeyARN != "" {
		check("KMS_KEY_ARN", c.KMSKeyARN, func(s string) error { return validKMSKeyARN(s, c.Region) })
	}
	if !strings.HasPrefix(c.ReleaseLabel, "emr-7.") {
		errs = append(errs, fmt.Errorf("RELEASE_LABEL=%q: want an emr-7.x release (Java 17, Flink 1.19 from emr-7.4.0 to emr-7.6.0)", c.ReleaseLabel))
	}
	if c.Arch != "arm64" && c.Arch != "amd64" {
		errs = append(errs, fmt.Errorf("ARCH=%q: want arm64 or amd64", c.Arch))
	}
	if c.SubnetID != "" && !subnetRe.MatchString(c.SubnetID) {
		errs = append(errs, fmt.Errorf("SUBNET_ID=%q: want subnet-<hex>", c.SubnetID))
	}
	if c.RawGlacierDays < 0 {
		errs = append(errs, fmt.Errorf("RAW_GLACIER_DAYS=%d: must be positive", c.RawGlacierDays))
	}
	if c.CoreNodes < 0 {
		errs = append(errs, fmt.Errorf("CORE_NODES=%d: must not be negative (0 = from the sizing)", c.CoreNodes))
	}
	if err := c.Sizing.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	default:
		return "aws"
	}
}
