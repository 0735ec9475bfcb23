package enrich

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"testing"
	"time"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/s3"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// TestLoadDimensionsFromS3 uploads the dimension files to the local S3 server
// and checks that loading them from s3:// gives what loading the local files
// gives.
func TestLoadDimensionsFromS3(t *testing.T) {
	ctx := context.Background()
	st := localstack.Shared(t)
	st.SetEnv(t)
	bucket := fmt.Sprintf("enrich-dims-%d", time.Now().UnixNano()%1e6)
	if err := st.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	cfg, err := st.AWSConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	r, d := writeDims(t)
	for key, path := range map[string]string{"dims/restaurants.csv": r, "dims/drivers.csv": d} {
		body, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}

	want, err := LoadDimensions(ctx, r, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadDimensions(ctx, "s3://"+bucket+"/dims/restaurants.csv", "s3://"+bucket+"/dims/drivers.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("from S3: %+v\nfrom files: %+v", got, want)
	}
	if len(got.Restaurants) != 2 || len(got.Drivers) != 1 {
		t.Errorf("loaded %d restaurants and %d drivers, want 2 and 1", len(got.Restaurants), len(got.Drivers))
	}

	if _, err := LoadDimensions(ctx, "s3://"+bucket+"/dims/missing.csv", d); err == nil {
		t.Error("a missing object loaded without error")
	}
}
