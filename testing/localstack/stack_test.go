package localstack_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	kintypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

func TestMain(m *testing.M) { localstack.Main(m) }

// unique returns a resource name not used by an earlier run, since a shared
// stack from `make stack-up` keeps its data between test runs.
func unique(prefix string) string {
	return fmt.Sprintf("%s-%x", prefix, time.Now().UnixNano())
}

func awsConfig(t *testing.T, s *localstack.Stack) aws.Config {
	t.Helper()
	cfg, err := s.AWSConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// putRecords writes n records to stream and returns their payloads in order.
func putRecords(t *testing.T, client *kinesis.Client, stream string, n int) [][]byte {
	t.Helper()
	var want [][]byte
	for i := range n {
		data := []byte(fmt.Sprintf(`{"n":%d}`, i))
		if _, err := client.PutRecord(context.Background(), &kinesis.PutRecordInput{
			StreamName:   aws.String(stream),
			PartitionKey: aws.String("k"), // one key: all records on one shard, in order
			Data:         data,
		}); err != nil {
			t.Fatalf("PutRecord %d: %v", i, err)
		}
		want = append(want, data)
	}
	return want
}

// readAll reads every record of the stream's shards from TRIM_HORIZON.
func readAll(t *testing.T, client *kinesis.Client, stream string) [][]byte {
	t.Helper()
	ctx := context.Background()
	shards, err := client.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatalf("ListShards: %v", err)
	}
	var got [][]byte
	for _, sh := range shards.Shards {
		it, err := client.GetShardIterator(ctx, &kinesis.GetShardIteratorInput{
			StreamName:        aws.String(stream),
			ShardId:           sh.ShardId,
			ShardIteratorType: kintypes.ShardIteratorTypeTrimHorizon,
		})
		if err != nil {
			t.Fatalf("GetShardIterator: %v", err)
		}
		iter := it.ShardIterator
		for iter != nil {
			out, err := client.GetRecords(ctx, &kinesis.GetRecordsInput{ShardIterator: iter, Limit: aws.Int32(3)})
			if err != nil {
				t.Fatalf("GetRecords: %v", err)
			}
			for _, r := range out.Records {
				got = append(got, r.Data)
			}
			if len(out.Records) == 0 { // caught up: an open shard never ends
				break
			}
			iter = out.NextShardIterator
		}
	}
	return got
}

func TestKinesisRoundTrip(t *testing.T) {
	s := localstack.Shared(t)
	ctx := context.Background()
	stream := unique("roundtrip")
	if err := s.CreateStream(ctx, stream, 2); err != nil {
		t.Fatal(err)
	}
	client := kinesis.NewFromConfig(awsConfig(t, s))
	desc, err := client.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: aws.String(stream)})
	if err != nil {
		t.Fatal(err)
	}
	if got := desc.StreamDescriptionSummary.StreamStatus; got != kintypes.StreamStatusActive {
		t.Errorf("stream status = %s, want ACTIVE", got)
	}
	if got := aws.ToInt32(desc.StreamDescriptionSummary.OpenShardCount); got != 2 {
		t.Errorf("open shards = %d, want 2", got)
	}
	want := putRecords(t, client, stream, 10)
	if got := readAll(t, client, stream); !slices.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("records read = %q, want %q", got, want)
	}
}

func TestS3RoundTrip(t *testing.T) {
	s := localstack.Shared(t)
	ctx := context.Background()
	bucket := unique("roundtrip")
	if err := s.CreateBucket(ctx, bucket); err != nil {
		t.Fatal(err)
	}
	client := s3.NewFromConfig(awsConfig(t, s))

	t.Run("PutGet", func(t *testing.T) {
		body := []byte("hello parquet")
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String("small"), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
		if got := getObject(t, client, bucket, "small"); !bytes.Equal(got, body) {
			t.Errorf("GetObject = %q, want %q", got, body)
		}
	})

	t.Run("Multipart", func(t *testing.T) {
		const partSize = 5 << 20 // S3's minimum for all but the last part
		parts := [][]byte{
			bytes.Repeat([]byte("a"), partSize),
			bytes.Repeat([]byte("b"), partSize),
			[]byte("tail"),
		}
		key := aws.String("multi")
		up, err := client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: key})
		if err != nil {
			t.Fatal(err)
		}
		var done []s3types.CompletedPart
		for i, p := range parts {
			n := int32(i + 1)
			out, err := client.UploadPart(ctx, &s3.UploadPartInput{
				Bucket: aws.String(bucket), Key: key, UploadId: up.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(p),
			})
			if err != nil {
				t.Fatalf("UploadPart %d: %v", n, err)
			}
			done = append(done, s3types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(n)})
		}
		if _, err := client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket: aws.String(bucket), Key: key, UploadId: up.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: done},
		}); err != nil {
			t.Fatal(err)
		}
		if got, want := getObject(t, client, bucket, *key), bytes.Join(parts, nil); !bytes.Equal(got, want) {
			t.Errorf("multipart object: got %d bytes, want %d (content differs)", len(got), len(want))
		}
	})

	t.Run("ListObjectsV2Paging", func(t *testing.T) {
		var want []string
		for i := range 7 {
			key := fmt.Sprintf("page/%02d", i)
			want = append(want, key)
			if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader([]byte(key))}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		pages := 0
		p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("page/"), MaxKeys: aws.Int32(3)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, o := range out.Contents {
				got = append(got, aws.ToString(o.Key))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("listed keys = %v, want %v", got, want)
		}
		if wantPages := (len(want) + 2) / 3; pages != wantPages {
			t.Errorf("pages = %d, want %d", pages, wantPages)
		}
	})
}

func getObject(t *testing.T, client *s3.Client, bucket, key string) []byte {
	t.Helper()
	out, err := client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func createTable(t *testing.T, client *dynamodb.Client, table string) {
	t.Helper()
	ctx := context.Background()
	if _, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
	}); err != nil {
		t.Fatal(err)
	}
	w := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 500*time.Millisecond
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, 30*time.Second); err != nil {
		t.Fatal(err)
	}
}

func putItem(t *testing.T, client *dynamodb.Client, table, pk, val string) {
	t.Helper()
	if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{
		TableName: aws.String(table),
		Item: map[string]ddbtypes.AttributeValue{
			"pk":  &ddbtypes.AttributeValueMemberS{Value: pk},
			"val": &ddbtypes.AttributeValueMemberS{Value: val},
		},
	}); err != nil {
		t.Fatal(err)
	}
}

func getItemVal(t *testing.T, client *dynamodb.Client, table, pk string) string {
	t.Helper()
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: pk}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	v, ok := out.Item["val"].(*ddbtypes.AttributeValueMemberS)
	if !ok {
		t.Fatalf("GetItem %s: item = %v, want a string attribute val", pk, out.Item)
	}
	return v.Value
}

func TestDynamoDBRoundTrip(t *testing.T) {
	s := localstack.Shared(t)
	client := dynamodb.NewFromConfig(awsConfig(t, s))
	table := unique("roundtrip")
	createTable(t, client, table)
	putItem(t, client, table, "order-1", "delivered")
	if got := getItemVal(t, client, table, "order-1"); got != "delivered" {
		t.Errorf("val = %q, want delivered", got)
	}
}

// TestSetEnvDefaultConfig checks that plain config.LoadDefaultConfig, as
// production code calls it, reaches the stack through the environment alone.
func TestSetEnvDefaultConfig(t *testing.T) {
	s := localstack.Shared(t)
	s.SetEnv(t)
	fromEnv, ok := localstack.FromEnv()
	if !ok {
		t.Fatal("FromEnv after SetEnv: not found")
	}
	if fromEnv.KinesisEndpoint != s.KinesisEndpoint || fromEnv.DynamoDBEndpoint != s.DynamoDBEndpoint ||
		fromEnv.S3Endpoint != s.S3Endpoint || fromEnv.Region != s.Region {
		t.Errorf("FromEnv = %+v, want endpoints of %+v", fromEnv, s)
	}
	ctx := context.Background()
	stream := unique("from-env")
	if err := s.CreateStream(ctx, stream, 1); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	out, err := kinesis.NewFromConfig(cfg).ListStreams(ctx, &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(out.StreamNames, stream) {
		t.Errorf("ListStreams via env = %v, want it to contain %q", out.StreamNames, stream)
	}
}

// TestRestartKeepsData restarts each server on its own stack and reads back
// what was written before the restart, through clients created before it.
func TestRestartKeepsData(t *testing.T) {
	ctx := context.Background()
	s, err := localstack.Start(ctx, localstack.WithDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
		for _, ep := range []string{s.KinesisEndpoint, s.DynamoDBEndpoint, s.S3Endpoint} {
			u, _ := url.Parse(ep)
			if c, err := net.Dial("tcp", u.Host); err == nil {
				c.Close()
				t.Errorf("after Stop, %s still accepts connections", ep)
			}
		}
	})
	cfg := awsConfig(t, s)

	t.Run("Kinesis", func(t *testing.T) {
		client := kinesis.NewFromConfig(cfg)
		if err := s.CreateStream(ctx, "restart", 1); err != nil {
			t.Fatal(err)
		}
		want := putRecords(t, client, "restart", 5)
		if err := s.RestartKinesis(ctx); err != nil {
			t.Fatal(err)
		}
		want = append(want, putRecords(t, client, "restart", 1)...)
		if got := readAll(t, client, "restart"); !slices.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("records after restart = %q, want %q", got, want)
		}
	})

	t.Run("DynamoDB", func(t *testing.T) {
		client := dynamodb.NewFromConfig(cfg)
		createTable(t, client, "restart")
		putItem(t, client, "restart", "k", "before")
		if err := s.RestartDynamoDB(ctx); err != nil {
			t.Fatal(err)
		}
		if got := getItemVal(t, client, "restart", "k"); got != "before" {
			t.Errorf("val after restart = %q, want before", got)
		}
	})

	t.Run("S3", func(t *testing.T) {
		client := s3.NewFromConfig(cfg)
		if err := s.CreateBucket(ctx, "restart"); err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("restart"), Key: aws.String("k"), Body: bytes.NewReader([]byte("before"))}); err != nil {
			t.Fatal(err)
		}
		if err := s.RestartS3(ctx); err != nil {
			t.Fatal(err)
		}
		if got := getObject(t, client, "restart", "k"); string(got) != "before" {
			t.Errorf("object after restart = %q, want before", got)
		}
	})
}

// BenchmarkStartStop measures a full stack start (until all three servers
// answer) and stop.
func BenchmarkStartStop(b *testing.B) {
	ctx := context.Background()
	for b.Loop() {
		s, err := localstack.Start(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Stop(); err != nil {
			b.Fatal(err)
		}
	}
}
