// Command emrplan renders the EMR deployment plan (runners/emr/render) for
// given resource names into a directory: make emr-plan STREAM=... BUCKET=...
// TABLE=... REGION=... ACCOUNT=... calls it.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/deliverypipe/deliverypipe/runners/emr/render"
)

func main() {
	var c render.Config
	flag.StringVar(&c.Stream, "stream", "", "Kinesis stream name (required)")
	flag.StringVar(&c.Bucket, "bucket", "", "S3 bucket for tables, deploy/ artifacts, emr-logs/ and flink/ state (required)")
	flag.StringVar(&c.Table, "table", "", "DynamoDB window KPI table (required)")
	flag.StringVar(&c.Region, "region", "", "AWS region (required)")
	flag.StringVar(&c.Account, "account", "", "12-digit AWS account id owning the resources (required)")
	flag.StringVar(&c.CheckpointBucket, "checkpoint-bucket", "", "S3 bucket for Flink checkpoints/savepoints under flink/ (default <bucket>-checkpoints)")
	flag.StringVar(&c.RawBucket, "raw-bucket", "", "raw event archive bucket of the CloudFormation stack (default <bucket>-raw)")
	flag.IntVar(&c.RawGlacierDays, "raw-glacier-days", 0, "days after which raw objects move to GLACIER (default 30)")
	flag.StringVar(&c.StatusTable, "status-table", "", "order status table (default <table>-status)")
	flag.StringVar(&c.CheckpointTable, "checkpoint-table", "", "Kinesis checkpoint table (default <table>-checkpoints)")
	flag.StringVar(&c.KMSKeyARN, "kms-key-arn", "", "KMS key ARN of the stream/bucket; adds kms:Decrypt/GenerateDataKey")
	flag.StringVar(&c.ClusterName, "cluster-name", "", "EMR cluster name (default deliverypipe)")
	flag.StringVar(&c.ReleaseLabel, "release-label", "", "EMR release (default "+render.DefaultReleaseLabel+")")
	flag.StringVar(&c.Prefix, "prefix", "", "key prefix of the pipeline tables (default "+render.DefaultPrefix+")")
	flag.StringVar(&c.Arch, "arch", "", "core/primary instance architecture: arm64 (default) or amd64")
	flag.IntVar(&c.CoreNodes, "core-nodes", 0, "core node count (0 = from the sizing)")
	flag.StringVar(&c.AlarmTopicARN, "alarm-topic-arn", "", "SNS topic for alarms (default <cluster>-alarms in the account)")
	flag.StringVar(&c.SubnetID, "subnet-id", "", "EC2 subnet of the cluster (default: EMR's choice in the default VPC)")
	flag.StringVar(&c.KeyName, "key-name", "", "EC2 key pair for SSH to the primary node")
	flag.Float64Var(&c.Sizing.EventsPerSecond, "events-per-sec", 0, "sizing: peak events/s (default 1000)")
	flag.Float64Var(&c.Sizing.RecordBytes, "record-bytes", 0, "sizing: mean record bytes (default 400)")
	flag.Float64Var(&c.Sizing.Headroom, "headroom", 0, "sizing: headroom multiplier (default 1.5)")
	flag.Float64Var(&c.Sizing.PerCoreEventsPerSecond, "per-core-eps", 0, "sizing: measured full-graph events/s per Flink task slot (0 = placeholder)")
	out := flag.String("out", "out/emr-plan", "output directory")
	flag.Parse()

	plan, err := render.Render(c)
	if err == nil {
		err = plan.WriteDir(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, n := range plan.Names() {
		fmt.Printf("%s/%s\n", *out, n)
	}
}
