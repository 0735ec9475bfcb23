package event

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

type schemaNode struct {
	Properties map[string]*schemaNode `json:"properties"`
	Items      *schemaNode            `json:"items"`
	Enum       []string               `json:"enum"`
}

func loadSchema(t *testing.T) *schemaNode {
	t.Helper()
	b, err := os.ReadFile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var s schemaNode
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("schema.json: %v", err)
	}
	return &s
}

// jsonNames lists the wire names of a struct's fields. wireOnly maps fields
// tagged "-" to the wire name they are written under (or "" if never written).
func jsonNames(t reflect.Type, wireOnly map[string]string) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			name = wireOnly[f.Name]
		}
		if name != "" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

func propNames(n *schemaNode) []string {
	var names []string
	for k := range n.Properties {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// TestSchemaMatchesStructs keeps schema.json and the Go types from drifting.
func TestSchemaMatchesStructs(t *testing.T) {
	s := loadSchema(t)
	for _, c := range []struct {
		name   string
		schema *schemaNode
		typ    reflect.Type
		wire   map[string]string
	}{
		{"event", s, reflect.TypeFor[Event](), map[string]string{"EventTimeMillis": "timestamp"}},
		{"location", s.Properties["location"], reflect.TypeFor[Location](), nil},
		{"item", s.Properties["items"].Items, reflect.TypeFor[Item](), nil},
	} {
		if c.schema == nil {
			t.Fatalf("%s: missing in schema.json", c.name)
		}
		if got, want := propNames(c.schema), jsonNames(c.typ, c.wire); !slices.Equal(got, want) {
			t.Errorf("%s: schema.json properties %v, Go json names %v", c.name, got, want)
		}
	}
	enum := s.Properties["event_type"].Enum
	for _, typ := range Types {
		if !slices.Contains(enum, string(typ)) {
			t.Errorf("event_type enum %v lacks %q", enum, typ)
		}
	}
}

// TestMarshalFollowsSchema checks that MarshalJSON writes exactly the
// schema's top-level properties.
func TestMarshalFollowsSchema(t *testing.T) {
	s := loadSchema(t)
	e := Event{EventID: "e", SchemaVersion: 1, EventType: OrderCreated, OrderID: "o",
		Items: []Item{{ItemID: "i", Qty: 1, Price: 2}}, TotalPrice: 2, Metadata: map[string]string{"k": "v"}}
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := propNames(s); !slices.Equal(keys, want) {
		t.Errorf("MarshalJSON keys %v, schema properties %v", keys, want)
	}
}
