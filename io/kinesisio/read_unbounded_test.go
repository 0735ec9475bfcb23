package kinesisio_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/window"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/options/jobopts"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	"github.com/aws/aws-sdk-go-v2/service/kinesis/types"

	"github.com/deliverypipe/deliverypipe/io/kinesisio"
	"github.com/deliverypipe/deliverypipe/runners/jobcontrol"
	"github.com/deliverypipe/deliverypipe/testing/faultproxy"
	"github.com/deliverypipe/deliverypipe/testing/localstack"
)

// sinks holds what the collecting DoFns saw, by sink name: the in-process
// prism runs the DoFns in the test binary, so a test can watch its output.
var sinks sync.Map // name -> *sink

type sink struct {
	mu   sync.Mutex
	recs []kinesisio.Record
	sums []windowCount
}

type windowCount struct {
	end time.Time
	n   int
}

func sinkFor(name string) *sink {
	v, _ := sinks.LoadOrStore(name, &sink{})
	return v.(*sink)
}

func (s *sink) records() []kinesisio.Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.recs)
}

func (s *sink) windowCounts() []windowCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.sums)
}

// collectFn appends every record to the sink called Name.
type collectFn struct{ Name string }

func (fn *collectFn) ProcessElement(r kinesisio.Record) {
	s := sinkFor(fn.Name)
	s.mu.Lock()
	s.recs = append(s.recs, r)
	s.mu.Unlock()
}

// windowCountFn records each fired window's count in the sink called Name.
type windowCountFn struct{ Name string }

func (fn *windowCountFn) ProcessElement(w beam.Window, n int) {
	s := sinkFor(fn.Name)
	s.mu.Lock()
	s.sums = append(s.sums, windowCount{end: w.MaxTimestamp().ToTime(), n: n})
	s.mu.Unlock()
}

func one(kinesisio.Record) int { return 1 }
func sum(a, b int) int         { return a + b }

func init() {
	register.DoFn1x0[kinesisio.Record](&collectFn{})
	register.DoFn2x0[beam.Window, int](&windowCountFn{})
	register.Function1x1(one)
	register.Function2x1(sum)
}

// committed sums the committed counters whose name starts with prefix.
func committed(m *metrics.Results, prefix string) int64 {
	var n int64
	for _, c := range m.AllMetrics().Counters() {
		if strings.HasPrefix(c.Key.Name, prefix) {
			n += c.Committed
		}
	}
	return n
}

// runUntil runs the unbounded pipeline p as job name and cancels it through
// the job service once done, given the job's live metrics, reports true.
// Waiting gives up (failing the test) after limit, so a broken reader cannot
// hang the suite; this bounds the test, it asserts nothing about speed.
func runUntil(t *testing.T, p *beam.Pipeline, name string, limit time.Duration, done func(*metrics.Results) bool) metrics.Results {
	t.Helper()
	old := *jobopts.JobName
	*jobopts.JobName = name
	defer func() { *jobopts.JobName = old }()
	stop := make(chan struct{})
	watched := make(chan error, 1)
	go func() { watched <- watch(name, limit, stop, done) }()
	res, err := ptest.RunWithMetrics(p)
	close(stop)
	if werr := <-watched; werr != nil {
		t.Fatal(werr)
	}
	if err != nil {
		t.Fatalf("job %s: %v", name, err)
	}
	return res.Metrics()
}

func watch(name string, limit time.Duration, stop <-chan struct{}, done func(*metrics.Results) bool) error {
	ctx := context.Background()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	var why error
	for {
		select {
		case <-stop:
			return errors.New("job ended before it was cancelled")
		case <-tick.C:
		}
		if *jobopts.Endpoint == "" {
			continue
		}
		m, ok, err := jobcontrol.Metrics(ctx, *jobopts.Endpoint, name)
		if err != nil {
			why = err
			break
		}
		if ok && done(m) {
			break
		}
		if time.Now().After(deadline) {
			why = fmt.Errorf("job %s: condition not met after %v", name, limit)
			break
		}
	}
	n, err := jobcontrol.Cancel(ctx, *jobopts.Endpoint, name)
	if err == nil && n != 1 {
		err = fmt.Errorf("cancelled %d jobs named %s, want 1", n, name)
	}
	return errors.Join(why, err)
}

// keyedPayloads makes n records over keys partition keys, "key|counter" with
// a per-key counter continuing from next (which it advances).
func keyedPayloads(next map[string]int, keys, n int) []types.PutRecordsRequestEntry {
	out := make([]types.PutRecordsRequestEntry, n)
	for i := range out {
		k := fmt.Sprintf("key-%02d", i%keys)
		out[i] = types.PutRecordsRequestEntry{PartitionKey: aws.String(k), Data: fmt.Appendf(nil, "%s|%05d", k, next[k])}
		next[k]++
	}
	return out
}

func putEntries(ctx context.Context, c *kinesis.Client, stream string, entries []types.PutRecordsRequestEntry) error {
	for len(entries) > 0 {
		n := min(len(entries), 500)
		out, err := c.PutRecords(ctx, &kinesis.PutRecordsInput{StreamName: aws.String(stream), Records: entries[:n]})
		if err != nil {
			return err
		}
		if aws.ToInt32(out.FailedRecordCount) > 0 {
			return fmt.Errorf("%d records failed", aws.ToInt32(out.FailedRecordCount))
		}
		entries = entries[n:]
	}
	return nil
}

// checkExactlyOnce asserts that got holds every "key|counter" payload for
// counters 0..want[key]-1 once, and, if ordered, in counter order per key.
func checkExactlyOnce(t *testing.T, got []kinesisio.Record, want map[string]int, ordered bool) {
	t.Helper()
	seen := map[string][]int{}
	for _, r := range got {
		k, c, ok := strings.Cut(string(r.Data), "|")
		n, err := strconv.Atoi(c)
		if !ok || err != nil {
			t.Fatalf("unexpected payload %q", r.Data)
		}
		if r.PartitionKey != k {
			t.Errorf("record %q has partition key %q", r.Data, r.PartitionKey)
		}
		seen[k] = append(seen[k], n)
	}
	for k, n := range want {
		got := seen[k]
		if !ordered {
			slices.Sort(got)
		}
		for i := range n {
			if i >= len(got) || got[i] != i {
				t.Fatalf("key %s: read %v, want 0..%d once each, in order=%v", k, got, n-1, ordered)
			}
		}
		if len(got) != n {
			t.Fatalf("key %s: %d records read, want %d: %v", k, len(got), n, got[n:])
		}
		delete(seen, k)
	}
	if len(seen) > 0 {
		t.Fatalf("records for unexpected keys: %v", seen)
	}
}

// TestReadUnboundedReshardWhileReading: twelve shards, records written while
// the unbounded read runs, a split and a merge in the middle. Every record of
// parents and children is read exactly once; with one shard group (the
// default) each key's records come in the order they were written, parents
// before children.
func TestReadUnboundedReshardWhileReading(t *testing.T) {
	tests := []struct {
		name    string
		groups  int
		ordered bool
	}{
		// A merge of shards from different groups lets the child's group read
		// it before the other group has finished the adjacent parent, so only
		// one group guarantees order for keys of a cross-group merge.
		{"one group", 1, true},
		{"three groups", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			stream, c := newStream(t, 12)
			initial := map[string]bool{}
			for _, s := range openShards(t, c, stream) {
				initial[aws.ToString(s.ShardId)] = true
			}
			next := map[string]int{}
			if err := putEntries(ctx, c, stream, keyedPayloads(next, 120, 1200)); err != nil {
				t.Fatal(err)
			}
			name := "reshard-" + stream
			sk := sinkFor(name)
			var total atomic.Int64 // set when the writer is done
			writerErr := make(chan error, 1)
			go func() {
				writerErr <- reshardWhileReading(ctx, c, stream, next, sk, &total)
			}()
			p, s := beam.NewPipelineWithRoot()
			beam.ParDo0(s, &collectFn{Name: name}, kinesisio.Read(s, stream,
				kinesisio.WithGroups(tt.groups), kinesisio.WithMaxReadTime(time.Second),
				kinesisio.WithPollInterval(200*time.Millisecond), kinesisio.WithDiscoveryInterval(time.Second)))
			runUntil(t, p, name, 3*time.Minute, func(m *metrics.Results) bool {
				n := total.Load()
				return n > 0 && committed(m, "records") >= n && int64(len(sk.records())) >= n
			})
			if err := <-writerErr; err != nil {
				t.Fatal(err)
			}
			got := sk.records()
			checkExactlyOnce(t, got, next, tt.ordered)
			children := 0
			for _, r := range got {
				if !initial[r.ShardID] {
					children++
				}
			}
			if children == 0 {
				t.Fatal("no record was read from a child shard")
			}
		})
	}
}

// reshardWhileReading waits for the read to start, then writes, splits the
// lowest shard, writes, merges the split's upper child with its neighbour,
// writes, and stores the number of records written in total.
func reshardWhileReading(ctx context.Context, c *kinesis.Client, stream string, next map[string]int, sk *sink, total *atomic.Int64) error {
	for len(sk.records()) == 0 {
		time.Sleep(50 * time.Millisecond)
	}
	write := func() error { return putEntries(ctx, c, stream, keyedPayloads(next, 120, 1200)) }
	if err := write(); err != nil {
		return err
	}
	open, err := sortedOpenShards(ctx, c, stream)
	if err != nil {
		return err
	}
	r := open[0].HashKeyRange
	mid, err := midHash(aws.ToString(r.StartingHashKey), aws.ToString(r.EndingHashKey))
	if err != nil {
		return err
	}
	if _, err := c.SplitShard(ctx, &kinesis.SplitShardInput{StreamName: aws.String(stream), ShardToSplit: open[0].ShardId, NewStartingHashKey: aws.String(mid)}); err != nil {
		return fmt.Errorf("split: %w", err)
	}
	if err := waitStreamActive(ctx, c, stream); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	if open, err = sortedOpenShards(ctx, c, stream); err != nil {
		return err
	}
	if _, err := c.MergeShards(ctx, &kinesis.MergeShardsInput{StreamName: aws.String(stream), ShardToMerge: open[1].ShardId, AdjacentShardToMerge: open[2].ShardId}); err != nil {
		return fmt.Errorf("merge: %w", err)
	}
	if err := waitStreamActive(ctx, c, stream); err != nil {
		return err
	}
	if err := write(); err != nil {
		return err
	}
	n := 0
	for _, v := range next {
		n += v
	}
	total.Store(int64(n))
	return nil
}

func sortedOpenShards(ctx context.Context, c *kinesis.Client, stream string) ([]types.Shard, error) {
	out, err := c.ListShards(ctx, &kinesis.ListShardsInput{StreamName: aws.String(stream)})
	if err != nil {
		return nil, err
	}
	var open []types.Shard
	for _, s := range out.Shards {
		if s.SequenceNumberRange.EndingSequenceNumber == nil {
			open = append(open, s)
		}
	}
	slices.SortFunc(open, func(a, b types.Shard) int {
		return kinesisio.CompareSequence(aws.ToString(a.HashKeyRange.StartingHashKey), aws.ToString(b.HashKeyRange.StartingHashKey))
	})
	return open, nil
}

func waitStreamActive(ctx context.Context, c *kinesis.Client, stream string) error {
	w := kinesis.NewStreamExistsWaiter(c, func(o *kinesis.StreamExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 20*time.Millisecond, 200*time.Millisecond
	})
	return w.Wait(ctx, &kinesis.DescribeStreamInput{StreamName: aws.String(stream)}, 30*time.Second)
}

// TestReadUnboundedIdleWatermark: records are written once, then the stream
// stays idle. A one-second event-time window over them can only fire if the
// read's watermark passes its end with no further input, i.e. if a caught-up
// shard stops holding the watermark back.
func TestReadUnboundedIdleWatermark(t *testing.T) {
	stream, c := newStream(t, 3)
	want := payloads("wm", 200)
	put(t, c, stream, want)
	name := "watermark-" + stream
	p, s := beam.NewPipelineWithRoot()
	recs := kinesisio.Read(s, stream, kinesisio.WithPollInterval(200*time.Millisecond), kinesisio.WithMaxReadTime(time.Second))
	windowed := beam.WindowInto(s, window.NewFixedWindows(time.Second), recs)
	counts := beam.Combine(s, sum, beam.ParDo(s, one, windowed))
	beam.ParDo0(s, &windowCountFn{Name: name}, counts)
	sk := sinkFor(name)
	runUntil(t, p, name, 2*time.Minute, func(*metrics.Results) bool {
		n := 0
		for _, w := range sk.windowCounts() {
			n += w.n
		}
		return n >= len(want)
	})
	n := 0
	for _, w := range sk.windowCounts() {
		n += w.n
	}
	if n != len(want) {
		t.Fatalf("windows fired with %d records in total, want %d", n, len(want))
	}
}

// countingProxy forwards to target and counts requests per Kinesis operation.
func countingProxy(t *testing.T, target string) (string, func(op string) int64) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	counts := map[string]int64{}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		mu.Lock()
		counts[op]++
		mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func(op string) int64 { mu.Lock(); defer mu.Unlock(); return counts[op] }
}

// readWhileWriting runs an unbounded read of stream with opts while a second
// batch is written once the first records arrive, and checks exactly-once.
func readWhileWriting(t *testing.T, name, stream string, c *kinesis.Client, opts []kinesisio.ReadOption, done func(*metrics.Results) bool) metrics.Results {
	t.Helper()
	ctx := context.Background()
	next := map[string]int{}
	if err := putEntries(ctx, c, stream, keyedPayloads(next, 40, 400)); err != nil {
		t.Fatal(err)
	}
	sk := sinkFor(name)
	var total atomic.Int64
	writerErr := make(chan error, 1)
	go func() {
		for len(sk.records()) == 0 {
			time.Sleep(50 * time.Millisecond)
		}
		err := putEntries(ctx, c, stream, keyedPayloads(next, 40, 400))
		total.Store(800)
		writerErr <- err
	}()
	p, s := beam.NewPipelineWithRoot()
	beam.ParDo0(s, &collectFn{Name: name}, kinesisio.Read(s, stream, opts...))
	res := runUntil(t, p, name, 3*time.Minute, func(m *metrics.Results) bool {
		n := total.Load()
		return n > 0 && committed(m, "records") >= n && int64(len(sk.records())) >= n && done(m)
	})
	if err := <-writerErr; err != nil {
		t.Fatal(err)
	}
	checkExactlyOnce(t, sk.records(), next, true)
	return res
}

// TestReadUnboundedIteratorReacquired: with the iterator lifetime cut to
// zero, every read re-acquires its iterator after the last sequence number
// read (AFTER_SEQUENCE_NUMBER), and nothing is lost or read twice.
func TestReadUnboundedIteratorReacquired(t *testing.T) {
	stream, c := newStream(t, 2)
	defer kinesisio.SetIteratorTTL(0)()
	endpoint, calls := countingProxy(t, localstack.Shared(t).KinesisEndpoint)
	readWhileWriting(t, "iterator-"+stream, stream, c, []kinesisio.ReadOption{
		kinesisio.WithEndpoint(endpoint), kinesisio.WithRecordsPerCall(50),
		kinesisio.WithPollInterval(100 * time.Millisecond), kinesisio.WithMaxReadTime(time.Second),
	}, func(*metrics.Results) bool { return true })
	// 800 records at most 50 per call over two shards need more than 16 reads,
	// each with its own iterator.
	if got, reads := calls("GetShardIterator"), calls("GetRecords"); got < 16 || got < reads {
		t.Fatalf("%d GetShardIterator calls for %d GetRecords calls: iterators were reused", got, reads)
	}
}

// TestReadUnboundedThrottled: 30 % of GetRecords, GetShardIterator and
// ListShards calls are answered ProvisionedThroughputExceeded; the read backs
// off and retries, reads exactly once and counts the throttles.
func TestReadUnboundedThrottled(t *testing.T) {
	stream, c := newStream(t, 4)
	proxy, err := faultproxy.New(localstack.Shared(t).KinesisEndpoint,
		faultproxy.WithThrottle(0.3, 7), faultproxy.WithOperations("GetRecords", "GetShardIterator", "ListShards"))
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	m := readWhileWriting(t, "throttled-"+stream, stream, c, []kinesisio.ReadOption{
		kinesisio.WithEndpoint(proxy.URL()), kinesisio.WithRecordsPerCall(100),
		kinesisio.WithPollInterval(100 * time.Millisecond), kinesisio.WithMaxReadTime(time.Second),
	}, func(m *metrics.Results) bool { return committed(m, "throttles") > 0 })
	if proxy.Stats().Injected == 0 {
		t.Fatal("the proxy throttled nothing")
	}
	if got := committed(&m, "throttles"); got == 0 {
		t.Fatalf("throttles metric = 0 with %d throttled calls", proxy.Stats().Injected)
	}
}

// midHash is the middle of a shard's hash key range.
func midHash(lo, hi string) (string, error) {
	a, ok1 := new(big.Int).SetString(lo, 10)
	b, ok2 := new(big.Int).SetString(hi, 10)
	if !ok1 || !ok2 {
		return "", fmt.Errorf("bad hash keys %q %q", lo, hi)
	}
	return new(big.Int).Rsh(new(big.Int).Add(a, b), 1).String(), nil
}
