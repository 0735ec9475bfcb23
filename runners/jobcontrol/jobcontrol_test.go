package jobcontrol

import "testing"

func TestNamed(t *testing.T) {
	for _, tc := range []struct {
		listed, name string
		want         bool
	}{
		{"deliverypipe42", "deliverypipe42", true}, // prism lists the name itself
		{"deliverypipeflink542980521-root-1125231450-4fe7a7d5", "deliverypipeflink542980521", true},
		{"myjob0x-root-1125231450-4fe7a7d5", "MyJob_x", true}, // lower-cased, _ → 0
		{"a23-root-1125231450-4fe7a7d5", "123", true},         // leading digit → a
		{"deliverypipeflink542980521-root-1125231450-4fe7a7d5", "deliverypipeflink54298052", false},
		{"deliverypipe-other-root-1125231450-4fe7a7d5", "deliverypipe", false}, // another job's app name
		{"deliverypipe-root-11252314-4fe7a7d5", "deliverypipe", false},         // not Java's date part
		{"other", "deliverypipe", false},
		{"", "", true},
		{"x-root-1125231450-4fe7a7d5", "", false},
	} {
		if got := Named(tc.listed, tc.name); got != tc.want {
			t.Errorf("Named(%q, %q) = %v, want %v", tc.listed, tc.name, got, tc.want)
		}
	}
}
