package parse

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// notInSchema are the reasons JSON Schema cannot express: they depend on
// the clock, the payload size or arithmetic across fields.
var notInSchema = map[Reason]bool{TotalMismatch: true, FutureTimestamp: true, TooLarge: true}

// TestSchemaAgreesWithValidate runs every validation case and every generated
// event through schema.json, with a real JSON Schema validator, and expects
// the same verdict as DecodeValidate wherever the schema can decide.
func TestSchemaAgreesWithValidate(t *testing.T) {
	f, err := os.Open("../event/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // date-time is part of the contract
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("schema.json")
	if err != nil {
		t.Fatalf("compile schema.json: %v", err)
	}
	cases := validateCases(t)
	for i := range 300 {
		b, _ := json.Marshal(genEvent(i))
		cases = append(cases, validateCase{name: "generated", in: b})
	}
	checked := 0
	for _, c := range cases {
		if !json.Valid(c.in) || !utf8.Valid(c.in) || notInSchema[c.want] {
			continue // syntax and UTF-8 come before any schema
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(c.in))
		if err != nil {
			t.Fatal(err)
		}
		schemaErr := schema.Validate(inst)
		if (schemaErr == nil) != (c.want == "") {
			t.Errorf("%s: schema says %v, DecodeValidate wants %q\n%s", c.name, schemaErr, c.want, c.in)
		}
		checked++
	}
	if checked < 320 {
		t.Fatalf("only %d inputs checked", checked)
	}
}
