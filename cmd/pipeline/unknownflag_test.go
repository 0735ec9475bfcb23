package main

import (
	"flag"
	"testing"
)

func TestUnknownFlag(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.String("stream", "", "")
	fs.String("bucket", "", "")
	fs.String("kpi-table", "", "")
	fs.Bool("bounded", false, "")
	fs.Duration("window-size", 0, "")
	tests := []struct {
		name    string
		args    []string
		unknown string
		want    string // the error
	}{
		{"all known", []string{"--stream", "s", "--bounded", "--bucket=b", "-window-size", "-5m"}, "", ""},
		{"typo", []string{"--strem", "s"}, "strem", "unknown flag --strem: did you mean --stream? (pipeline --help lists the flags)"},
		{"underscore for dash", []string{"--bucket=b", "--kpi_table=k"}, "kpi_table", "unknown flag --kpi_table: did you mean --kpi-table? (pipeline --help lists the flags)"},
		{"after a bool flag", []string{"--bounded", "--bukcet", "b"}, "bukcet", "unknown flag --bukcet: did you mean --bucket? (pipeline --help lists the flags)"},
		{"nothing close", []string{"--zzzqqq"}, "zzzqqq", "unknown flag --zzzqqq (pipeline --help lists the flags)"},
		{"a value that looks like a flag", []string{"--stream", "-notaflag"}, "", ""},
		{"parsing stops at a positional", []string{"pos", "--nope"}, "", ""},
		{"parsing stops at --", []string{"--", "--nope"}, "", ""},
		{"help is flag's", []string{"--help"}, "", ""},
		{"three dashes are flag's bad syntax", []string{"---stream", "s"}, "", ""},
		{"an empty name is flag's bad syntax", []string{"--=x"}, "", ""},
		{"a bool set to false", []string{"--bounded=false", "--strem", "s"}, "strem", "unknown flag --strem: did you mean --stream? (pipeline --help lists the flags)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unknownFlag(fs, tt.args)
			if got != tt.unknown {
				t.Fatalf("unknownFlag(%q) = %q, want %q", tt.args, got, tt.unknown)
			}
			if got == "" {
				return
			}
			if err := unknownFlagError(fs, got); err.Error() != tt.want {
				t.Errorf("error %q, want %q", err, tt.want)
			}
		})
	}
}
