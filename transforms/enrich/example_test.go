package enrich_test

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"

	"github.com/deliverypipe/deliverypipe/transforms/enrich"
	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// Dimensions from S3 (or local paths), loaded once per worker; s3:// needs
// Beam's s3 file system registered (import _ ".../io/filesystem/s3").
func ExampleEnrich() {
	_, s := beam.NewPipelineWithRoot()
	events := beam.Create(s, event.Batch{Events: []event.Event{{EventID: "e-1", RestaurantID: "r-00001"}}}) // lifecycle.Track's unique events
	enriched := enrich.Enrich(s, events, "s3://dims/restaurants.csv", "s3://dims/drivers.csv")
	_ = enriched // PCollection<enrich.Batch>
}
