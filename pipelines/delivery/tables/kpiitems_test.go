package tables

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"

	"github.com/deliverypipe/deliverypipe/transforms/kpi"
	"github.com/deliverypipe/deliverypipe/transforms/wire/wiretest"
)

// roundTrip marshals an item as DynamoDB attributes and back.
func roundTrip[I any](t *testing.T, item I) I {
	t.Helper()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatal(err)
	}
	var back I
	if err := attributevalue.UnmarshalMap(av, &back); err != nil {
		t.Fatal(err)
	}
	return back
}

// TestItemsHoldTheirRows: every field of a KPI row survives the item and
// its DynamoDB attributes (random rows fill every field), under the key the
// table's layout names: the kind's prefix and the entity, and the window
// start.
func TestItemsHoldTheirRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		c := wiretest.Random[kpi.EventTypeCount](rng)
		it := roundTrip(t, EventTypeItemOf(c))
		if it.Row() != c || it.PK != "event_type#"+c.EventType || it.SK != c.WindowStart {
			t.Fatalf("event type count %+v came back as item %+v", c, it)
		}
		r := wiretest.Random[kpi.RestaurantKPI](rng)
		ri := roundTrip(t, RestaurantItemOf(r))
		if ri.Row() != r || ri.PK != "restaurant#"+r.RestaurantID || ri.SK != r.WindowStart {
			t.Fatalf("restaurant KPI %+v came back as item %+v", r, ri)
		}
		z := wiretest.Random[kpi.ZoneKPI](rng)
		zi := roundTrip(t, ZoneItemOf(z))
		if zi.Row() != z || zi.PK != "zone#"+z.Zone || zi.SK != z.WindowStart {
			t.Fatalf("zone KPI %+v came back as item %+v", z, zi)
		}
	}
}

// attributes are the dynamodbav names of t's fields.
func attributes(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		names = append(names, f.Tag.Get("dynamodbav"))
	}
	return names
}

// TestAttributesAreParquetColumns: after pk and sk, an item's attributes
// are its row's Parquet columns, in order, so that the DynamoDB table and
// the lake tables name a measure alike.
func TestAttributesAreParquetColumns(t *testing.T) {
	for _, tt := range []struct{ item, row reflect.Type }{
		{reflect.TypeFor[EventTypeItem](), reflect.TypeFor[kpi.EventTypeCount]()},
		{reflect.TypeFor[RestaurantItem](), reflect.TypeFor[kpi.RestaurantKPI]()},
		{reflect.TypeFor[ZoneItem](), reflect.TypeFor[kpi.ZoneKPI]()},
	} {
		var columns []string
		for f := range tt.row.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("parquet"), ",")
			columns = append(columns, name)
		}
		want := append([]string{"pk", "sk"}, columns...)
		if got := attributes(tt.item); !reflect.DeepEqual(got, want) {
			t.Errorf("%v attributes %v, want %v", tt.item, got, want)
		}
	}
}

// TestKPIItemReadsEveryKind: KPIItem decodes every attribute of each kind
// of item with the value written.
func TestKPIItemReadsEveryKind(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, item := range []any{
		EventTypeItemOf(wiretest.Random[kpi.EventTypeCount](rng)),
		RestaurantItemOf(wiretest.Random[kpi.RestaurantKPI](rng)),
		ZoneItemOf(wiretest.Random[kpi.ZoneKPI](rng)),
	} {
		written, err := attributevalue.MarshalMap(item)
		if err != nil {
			t.Fatal(err)
		}
		var read KPIItem
		if err := attributevalue.UnmarshalMap(written, &read); err != nil {
			t.Fatal(err)
		}
		again, err := attributevalue.MarshalMap(read)
		if err != nil {
			t.Fatal(err)
		}
		for name, v := range written {
			if !reflect.DeepEqual(again[name], v) {
				t.Errorf("%T attribute %s: KPIItem read %#v, written %#v", item, name, again[name], v)
			}
		}
	}
}
