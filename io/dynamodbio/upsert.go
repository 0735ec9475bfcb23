package dynamodbio

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"golang.org/x/sync/errgroup"
)

func init() {
	register.DoFn3x1[context.Context, beam.X, func(beam.X), error](&conditionalPutFn{})
	register.Emitter1[beam.X]()
}

// flushAt is how many conditional puts a bundle buffers before sending them
// with bounded concurrency. UpsertForward buffers up to forwardFlushAt
// orders instead: it keeps one put per order (the one that would win), and
// a replay or catch-up bundle carries several events of most orders.
const (
	flushAt        = 128
	forwardFlushAt = 4096
)

// Condition kinds of conditionalPutFn.
const (
	condVersioned = "versioned"
	condForward   = "forward"
)

// UpsertVersioned writes KPI items (PCollection<T>) into table so that each
// key (pk, sk) holds the item of the highest pane seen: a put applies only if
// attribute_not_exists(pk) OR pane <= :pane. Older panes are skipped and
// counted (dynamodbio/skipped_older_pane). T must marshal to an item with the
// key and a numeric pane attribute (names: WithKeyAttribute,
// WithPaneAttribute). See the package doc for the table layout. It returns
// the rows once their puts are done (applied or skipped): a stage reading it
// sees its watermark pass a window only after the window's items are written.
func UpsertVersioned(s beam.Scope, col beam.PCollection, table string, opts ...Option) beam.PCollection {
	s = s.Scope("dynamodbio.UpsertVersioned")
	return beam.ParDo(s, &conditionalPutFn{Cfg: newConfig(table, "pk", opts), Kind: condVersioned}, col)
}

// UpsertForward writes order status items (PCollection<T>) into table so that
// each order's item only moves forward: a put applies only if the stored item
// is absent, has a lower rank, or has the same rank and an earlier event time.
// Refused puts are counted (dynamodbio/skipped_not_forward). T must marshal to
// an item with the key, a numeric rank and (unless disabled) a numeric event
// time attribute. See the package doc for the table layout. It returns the
// rows once their puts are done, as UpsertVersioned does.
func UpsertForward(s beam.Scope, col beam.PCollection, table string, opts ...Option) beam.PCollection {
	s = s.Scope("dynamodbio.UpsertForward")
	return beam.ParDo(s, &conditionalPutFn{Cfg: newConfig(table, "order_id", opts), Kind: condForward}, col)
}

// conditionalPutFn puts items one by one with a condition expression;
// BatchWriteItem cannot carry conditions.
type conditionalPutFn struct {
	Cfg  writeConfig
	Kind string

	client    *dynamodb.Client
	cond      string
	names     map[string]string
	valueOf   map[string]string // placeholder -> item attribute it takes its value from
	pending   []map[string]types.AttributeValue
	pendingAt map[string]int // UpsertForward: key -> index in pending
	applied   beam.Counter
	skipped   beam.Counter
	coalesced beam.Counter
	throttles beam.Counter
}

func (f *conditionalPutFn) Setup(ctx context.Context) error {
	var err error
	if f.client, err = newClient(ctx); err != nil {
		return fmt.Errorf("dynamodbio: load AWS config: %w", err)
	}
	f.names = map[string]string{"#k": f.Cfg.KeyAttr}
	skipped := "skipped_not_forward"
	switch f.Kind {
	case condVersioned:
		f.cond = "attribute_not_exists(#k) OR #p <= :p"
		f.names["#p"] = f.Cfg.PaneAttr
		f.valueOf = map[string]string{":p": f.Cfg.PaneAttr}
		skipped = "skipped_older_pane"
	case condForward:
		f.cond = "attribute_not_exists(#k) OR #r < :r"
		f.names["#r"] = f.Cfg.RankAttr
		f.valueOf = map[string]string{":r": f.Cfg.RankAttr}
		if f.Cfg.TimeAttr != "" {
			f.cond += " OR (#r = :r AND #t < :t)"
			f.names["#t"] = f.Cfg.TimeAttr
			f.valueOf[":t"] = f.Cfg.TimeAttr
		}
	default:
		return fmt.Errorf("dynamodbio: unknown condition kind %q", f.Kind)
	}
	f.applied = beam.NewCounter("dynamodbio", "applied_"+f.Cfg.Table)
	f.skipped = beam.NewCounter("dynamodbio", skipped)
	f.throttles = beam.NewCounter("dynamodbio", "throttled_"+f.Cfg.Table)
	f.coalesced = beam.NewCounter("dynamodbio", "coalesced_"+f.Cfg.Table)
	f.pendingAt = map[string]int{}
	return nil
}

// ProcessElement buffers the put and passes the row on; the bundle, and with
// it the row, commits only after FinishBundle has sent the puts.
func (f *conditionalPutFn) ProcessElement(ctx context.Context, row beam.X, emit func(beam.X)) error {
	item, err := attributevalue.MarshalMap(row)
	if err != nil {
		return fmt.Errorf("dynamodbio: marshal item for %s: %w", f.Cfg.Table, err)
	}
	for _, attr := range f.valueOf {
		if _, ok := item[attr].(*types.AttributeValueMemberN); !ok {
			return fmt.Errorf("dynamodbio: item for %s lacks numeric attribute %q", f.Cfg.Table, attr)
		}
	}
	emit(row)
	if f.Kind != condForward {
		f.pending = append(f.pending, item)
		if len(f.pending) >= flushAt {
			return f.flush(ctx)
		}
		return nil
	}
	// Of an order's puts in one flush only the greatest by (rank, event
	// time) can be what the table ends with, so the others are not sent.
	key, err := keyString(item[f.Cfg.KeyAttr])
	if err != nil {
		return fmt.Errorf("dynamodbio: item for %s: %w", f.Cfg.Table, err)
	}
	if i, ok := f.pendingAt[key]; ok {
		f.coalesced.Inc(ctx, 1)
		if f.forwardOf(item, f.pending[i]) {
			f.pending[i] = item
		}
		return nil
	}
	f.pendingAt[key] = len(f.pending)
	f.pending = append(f.pending, item)
	if len(f.pending) >= forwardFlushAt {
		return f.flush(ctx)
	}
	return nil
}

// forwardOf reports whether UpsertForward's condition lets a replace b:
// a higher rank, or the same rank and a later event time.
func (f *conditionalPutFn) forwardOf(a, b map[string]types.AttributeValue) bool {
	ra, rb := number(a[f.Cfg.RankAttr]), number(b[f.Cfg.RankAttr])
	if ra != rb || f.Cfg.TimeAttr == "" {
		return ra > rb
	}
	return number(a[f.Cfg.TimeAttr]) > number(b[f.Cfg.TimeAttr])
}

// number is the value of a numeric attribute (checked numeric on arrival).
func number(v types.AttributeValue) float64 {
	x, _ := strconv.ParseFloat(v.(*types.AttributeValueMemberN).Value, 64)
	return x
}

// keyString is a partition key attribute as a map key.
func keyString(v types.AttributeValue) (string, error) {
	switch k := v.(type) {
	case *types.AttributeValueMemberS:
		return "S" + k.Value, nil
	case *types.AttributeValueMemberN:
		return "N" + k.Value, nil
	case *types.AttributeValueMemberB:
		return "B" + string(k.Value), nil
	}
	return "", fmt.Errorf("key attribute is %T, want a string, number or binary", v)
}

// FinishBundle sends the remaining puts. Beam requires the emitter of
// ProcessElement here too; the rows were emitted already.
func (f *conditionalPutFn) FinishBundle(ctx context.Context, _ func(beam.X)) error {
	return f.flush(ctx)
}

// flush sends the pending puts with at most Concurrency in flight. Puts of
// the same key may race; the condition makes the outcome order-independent.
func (f *conditionalPutFn) flush(ctx context.Context) error {
	items := f.pending
	f.pending = nil
	clear(f.pendingAt)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(f.Cfg.Concurrency)
	var n putCounts
	for _, item := range items {
		g.Go(func() error { return f.put(gctx, item, &n) })
	}
	err := g.Wait()
	// Beam counters are not safe for concurrent use (a bundle's metric map
	// is written unlocked): the puts count atomically, the bundle's
	// goroutine reports.
	f.applied.Inc(ctx, n.applied.Load())
	f.skipped.Inc(ctx, n.skipped.Load())
	f.throttles.Inc(ctx, n.throttles.Load())
	return err
}

// putCounts are the outcomes of one flush's concurrent puts.
type putCounts struct {
	applied, skipped, throttles atomic.Int64
}

func (f *conditionalPutFn) put(ctx context.Context, item map[string]types.AttributeValue, n *putCounts) error {
	values := make(map[string]types.AttributeValue, len(f.valueOf))
	for ph, attr := range f.valueOf {
		values[ph] = item[attr]
	}
	in := &dynamodb.PutItemInput{
		TableName:                 aws.String(f.Cfg.Table),
		Item:                      item,
		ConditionExpression:       aws.String(f.cond),
		ExpressionAttributeNames:  f.names,
		ExpressionAttributeValues: values,
	}
	for attempt := 1; ; attempt++ {
		_, err := f.client.PutItem(ctx, in)
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			n.applied.Add(1)
			return nil
		case errors.As(err, &ccf):
			n.skipped.Add(1)
			return nil
		case !throttled(err):
			return fmt.Errorf("dynamodbio: PutItem on %s: %w", f.Cfg.Table, err)
		case attempt >= f.Cfg.MaxAttempts:
			return fmt.Errorf("dynamodbio: PutItem on %s still throttled after %d attempts: %w", f.Cfg.Table, attempt, err)
		}
		n.throttles.Add(1)
		if err := backoff(ctx, f.Cfg, attempt); err != nil {
			return err
		}
	}
}
