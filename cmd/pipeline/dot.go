package main

import (
	"errors"
	"flag"
)

// isDotRunner reports whether --runner=dot: Beam's dot runner only draws the
// graph, so the job needs no AWS access and no real resource names.
func isDotRunner() bool {
	r := flag.Lookup("runner")
	return r != nil && r.Value.String() == "dot"
}

// dotDefaults fills the required resource names with placeholders for
// --runner=dot (they only label the drawing) and checks --dot_file, which
// Beam's dot runner would otherwise reject after building the graph.
func dotDefaults() error {
	if f := flag.Lookup("dot_file"); f == nil || f.Value.String() == "" {
		return errors.New("--runner=dot needs --dot_file: the DOT file to write")
	}
	for name, v := range map[string]*string{"STREAM": stream, "BUCKET": bucket, "KPI_TABLE": kpiTable} {
		if *v == "" {
			*v = name
		}
	}
	return nil
}
