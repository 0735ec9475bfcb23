package kinesisio_test

import (
	"os"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/deliverypipe/deliverypipe/io/xlang/kinesisio"
)

// Copies one stream into another through Java's KinesisIO. The expansion
// service comes from runners/expansion/expansion.sh (its address is in
// .stack/expansion/endpoint); the endpoint override is only for an emulator.
func Example() {
	expansion := "127.0.0.1:8097"
	conn := kinesisio.Connection{
		Region:          "eu-west-1",
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
	}
	emulator := kinesisio.Endpoint(os.Getenv("AWS_ENDPOINT_URL_KINESIS"))

	p, s := beam.NewPipelineWithRoot()
	events := kinesisio.Read(s, expansion, "orders", conn, emulator,
		kinesisio.InitialPosition(kinesisio.TrimHorizon),
		kinesisio.ArrivalTimeWatermark(time.Minute))
	kinesisio.Write(s, expansion, "orders-archive", "archive", conn, events, emulator)
	_ = p // run with beamx.Run on a runner with Java support (Flink, Spark)
}
