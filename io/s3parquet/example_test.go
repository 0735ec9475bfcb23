package s3parquet_test

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"

	"github.com/deliverypipe/deliverypipe/io/s3parquet"
)

// WindowCount is a window KPI row.
type WindowCount struct {
	WindowStart int64  `parquet:"window_start,timestamp(millisecond)"`
	EventType   string `parquet:"event_type"`
	Count       int64  `parquet:"count"`
}

func ExampleWrite() {
	p, s := beam.NewPipelineWithRoot()
	counts := beam.Create(s, WindowCount{EventType: "delivered", Count: 3})
	counts = beam.WindowInto(s, window.NewFixedWindows(60e9), counts)
	// Writes s3://my-bucket/lake/window_kpis/dt=.../hour=.../<window>-p<pane>-s<shard>.parquet
	// with zstd compression and SSE-KMS.
	uris := s3parquet.Write(s, "my-bucket", "window_kpis", counts,
		s3parquet.WithPrefix("lake"), s3parquet.WithShards(2), s3parquet.WithKMSKey("alias/lake"))
	_ = uris // PCollection<string> of written s3:// URIs
	_ = p
}

func ExampleWriteJSONLines() {
	p, s := beam.NewPipelineWithRoot()
	type deadLetter struct {
		Reason string `json:"reason"`
		Raw    []byte `json:"raw"`
	}
	bad := beam.Create(s, deadLetter{Reason: "malformed JSON", Raw: []byte("{")})
	s3parquet.WriteJSONLines(s, "my-bucket", "dead_letters", bad, s3parquet.WithPrefix("lake"))
	_ = p
}
