package kinesisio

import (
	"reflect"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

// encode is what Read and Write pass to beam.CrossLanguage.
func encode(t *testing.T, pl any) []byte {
	t.Helper()
	return beam.CrossLanguagePayload(pl)
}

// reflectFields maps the schema field names (beam tags of the type Beam
// derived from the schema) of a decoded row to their values, nil pointers to
// nil and other pointers to what they point at.
func reflectFields(v any) map[string]any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	out := map[string]any{}
	for i := 0; i < rv.NumField(); i++ {
		f := rv.Type().Field(i)
		name := f.Tag.Get("beam")
		if name == "" {
			name = f.Name
		}
		fv := rv.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				out[name] = nil
				continue
			}
			fv = fv.Elem()
		}
		out[name] = fv.Interface()
	}
	return out
}

// diffDecoded reports every field whose decoded value differs from want, and
// fields present on one side only.
func diffDecoded(t *testing.T, want, got decoded) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("field %q missing from the payload", k)
			continue
		}
		if !reflect.DeepEqual(w, g) {
			t.Errorf("field %q = %#v, want %#v", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected field %q = %#v", k, g)
		}
	}
}
