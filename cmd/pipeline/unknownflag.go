package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/agnivade/levenshtein"
)

// unknownFlag returns the first flag of args that fs does not define, as
// flag.Parse would meet it ("" when there is none), so that main can name it
// in one line with the nearest known flag instead of flag's "not defined"
// and the whole usage.
func unknownFlag(fs *flag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			return "" // flag.Parse stops here too
		}
		// One or two dashes, as flag accepts; anything else is bad syntax,
		// which flag.Parse reports itself.
		name, _, hasValue := strings.Cut(strings.TrimPrefix(a[1:], "-"), "=")
		if name == "" || name[0] == '-' || name[0] == '=' || name == "h" || name == "help" {
			return ""
		}
		f := fs.Lookup(name)
		if f == nil {
			return name
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) {
			i++ // the next argument is this flag's value
		}
	}
	return ""
}

// nearestFlag is the flag of fs whose name is closest to name by edit
// distance, if it is close enough to be a likely typo.
func nearestFlag(fs *flag.FlagSet, name string) (string, bool) {
	best, bestDist := "", -1
	fs.VisitAll(func(f *flag.Flag) {
		d := levenshtein.ComputeDistance(strings.ToLower(name), strings.ToLower(f.Name))
		if bestDist < 0 || d < bestDist || (d == bestDist && f.Name < best) {
			best, bestDist = f.Name, d
		}
	})
	// A typo changes a few characters; beyond a third of the name it is
	// another word.
	return best, bestDist >= 0 && bestDist <= max(2, len(name)/3)
}

// unknownFlagError is the one-line error for an undefined flag name.
func unknownFlagError(fs *flag.FlagSet, name string) error {
	if near, ok := nearestFlag(fs, name); ok {
		return fmt.Errorf("unknown flag --%s: did you mean --%s? (pipeline --help lists the flags)", name, near)
	}
	return fmt.Errorf("unknown flag --%s (pipeline --help lists the flags)", name)
}
