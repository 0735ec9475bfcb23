// Package kinesisio wraps Beam Java's KinesisIO (AWS SDK v2) as cross-language
// transforms: Read and Write expand through a Java expansion service, and the
// runner executes them in a Java SDK harness next to the Go one.
//
// It sends the URNs and configuration fields that Beam Python's
// apache_beam.io.kinesis sends (ReadDataFromKinesis, WriteToKinesis), so the
// Java side is Beam's own KinesisTransformRegistrar. That registrar is in
// org.apache.beam:beam-sdks-java-io-amazon-web-services2 from Beam 2.63.0 on;
// the write aggregation fields this package always sends need 2.64.0 or later.
// runners/expansion/expansion.sh starts such a service on 127.0.0.1 (2.64.0,
// from Maven; the shaded *-expansion-service jar is not available here), with a
// loopback Java worker, so runners need no Docker for the Java side.
//
// This is the option for runners that have Java at hand (Flink, Spark). The
// pure-Go reader and writer in io/kinesisio need no JVM and run on prism too;
// prefer them unless Java's reader features (EFO, KCL-style watermarks) are
// wanted.
//
// Configuration field names are snake_case (as Python sends them); the Java
// expansion service turns them into lowerCamel setter names, and integer
// fields must be INT64 because the setters take java.lang.Long.
package kinesisio

const (
	// ReadURN identifies Java's KinesisIO.read() external transform
	// (org.apache.beam.sdk.io.aws2.kinesis.KinesisTransformRegistrar).
	ReadURN = "beam:transform:org.apache.beam:kinesis_read_data:v2"
	// WriteURN identifies Java's KinesisIO.write() external transform.
	WriteURN = "beam:transform:org.apache.beam:kinesis_write:v2"
)

// Connection says which stream region and credentials the Java transforms use.
// Java's external KinesisIO only accepts static credentials: pass keys for a
// principal scoped to the stream, never long-lived account keys.
type Connection struct {
	// Region is the AWS region, such as "eu-west-1".
	Region string
	// AccessKeyID and SecretAccessKey are static AWS credentials.
	AccessKeyID     string
	SecretAccessKey string
}

// client holds the settings Read and Write share.
type client struct {
	endpoint *string
	verify   *bool
}

// ClientOption configures how the Java transforms reach Kinesis. It is both a
// ReadOption and a WriteOption.
type ClientOption func(*client)

func (o ClientOption) applyRead(c *readConfig)   { o(&c.client) }
func (o ClientOption) applyWrite(c *writeConfig) { o(&c.client) }

// Endpoint overrides the Kinesis service endpoint (an absolute URI such as
// "http://127.0.0.1:4567"), for local emulators and VPC endpoints. Take it from
// a flag or AWS_ENDPOINT_URL_KINESIS, never from code.
func Endpoint(uri string) ClientOption {
	return func(c *client) { c.endpoint = &uri }
}

// VerifyCertificate turns TLS certificate verification off (false) or on
// (true, Java's default). Only turn it off for local emulators.
func VerifyCertificate(verify bool) ClientOption {
	return func(c *client) { c.verify = &verify }
}
