// Package kinesisio wraps Beam Java's KinesisIO (AWS SDK v2) as cross-language
// transforms: Read and Write expand through a Java expansion service, and the
// runner executes them in a Java SDK harness next to the Go one.
//
// Write sends the URN and configuration fields that Beam Python's
// apache_beam.io.kinesis.WriteToKinesis sends, so its Java side is Beam's own
// KinesisTransformRegistrar (org.apache.beam:beam-sdks-java-io-amazon-web-services2,
// 2.64.0 or later for the aggregation fields this package always sends).
//
// Read cannot use Beam's registrar: its kinesis_read_data:v2 expansion wraps
// the read in a DoFn whose @ProcessElement returns byte[], which Beam's
// DoFnSignatures refuses ("Must return void or ProcessContinuation"; checked in
// the 2.64.0, 2.66.0 and 2.73.0 jars). Read therefore asks for ReadURN, served
// by this project's runners/expansion/KinesisReadRegistrar.java: the same
// configuration fields as Python's ReadDataFromKinesis, KinesisIO.read(), and
// each record's data. runners/expansion/expansion.sh starts a service with both
// on 127.0.0.1 (Beam 2.64.0 from Maven; the shaded *-expansion-service jar is
// not available here), with a loopback Java worker, so runners need no Docker
// for the Java side.
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
	// ReadURN identifies Java's KinesisIO.read() as this project's expansion
	// service registers it (runners/expansion/KinesisReadRegistrar.java).
	ReadURN = "beam:transform:io.deliverypipe:kinesis_read_data:v1"
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
