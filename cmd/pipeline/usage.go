package main

import (
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// helpGroups are the sections of --help, chosen by the prefix of each
// flag's help text.
var helpGroups = []struct{ title, prefix string }{
	{"Source (Kinesis)", "source: "},
	{"Transforms", "transforms: "},
	{"Sinks (S3, DynamoDB)", "sinks: "},
	{"Checkpoints (DynamoDB)", "checkpoints: "},
	{"Operations", "ops: "},
}

// runnerFlags are Beam's flags that choose and configure the runner; the
// rest of Beam's flags are listed by name only.
var runnerFlags = map[string]bool{
	"runner": true, "endpoint": true, "environment_type": true, "environment_config": true,
	"job_name": true, "experiments": true, "parallelism": true, "dot_file": true,
	"worker_binary": true, "artifact_endpoint": true, "async": true, "preset": true,
}

// usage prints the flags grouped by source, transforms, sinks, operations
// and runner, instead of flag's single alphabetical list.
func usage() {
	out := flag.CommandLine.Output()
	fmt.Fprintf(out, "Usage: pipeline --stream=S --bucket=B --kpi-table=T [flags]\n")
	fmt.Fprintf(out, "       pipeline --runner=dot --dot_file=graph.dot   (draws the graph; no AWS access)\n")
	grouped := map[string][]*flag.Flag{}
	var runner, other []*flag.Flag
	flag.VisitAll(func(f *flag.Flag) {
		for _, g := range helpGroups {
			if strings.HasPrefix(f.Usage, g.prefix) {
				grouped[g.prefix] = append(grouped[g.prefix], f)
				return
			}
		}
		if runnerFlags[f.Name] {
			runner = append(runner, f)
		} else {
			other = append(other, f)
		}
	})
	for _, g := range helpGroups {
		printGroup(out, g.title, g.prefix, grouped[g.prefix])
	}
	printGroup(out, "Runner (Beam: prism is in-process; flink, spark and universal need --endpoint)", "", runner)
	names := make([]string, len(other))
	for i, f := range other {
		names[i] = "--" + f.Name
	}
	sort.Strings(names)
	fmt.Fprintf(out, "\nOther Beam flags (see Beam's documentation):\n%s\n", wrap(strings.Join(names, " "), 78, "  "))
}

func printGroup(out io.Writer, title, prefix string, flags []*flag.Flag) {
	if len(flags) == 0 {
		return
	}
	fmt.Fprintf(out, "\n%s:\n", title)
	for _, f := range flags {
		typ, help := flag.UnquoteUsage(f)
		help = strings.TrimPrefix(help, prefix)
		name := "--" + f.Name
		if typ != "" {
			name += " " + typ
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
			help += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(out, "  %-28s %s\n", name, strings.ReplaceAll(help, "\n", "\n"+strings.Repeat(" ", 31)))
	}
}

// wrap breaks s at spaces into lines of at most width, each indented.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for _, w := range strings.Fields(s) {
		if len(line)+len(w)+1 > width && line != indent {
			b.WriteString(line + "\n")
			line = indent
		}
		if line != indent {
			line += " "
		}
		line += w
	}
	b.WriteString(line)
	return b.String()
}
