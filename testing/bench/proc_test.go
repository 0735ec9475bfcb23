package bench

import (
	"os"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	for _, tc := range []struct {
		name, stat string
		want       time.Duration
		wantErr    bool
	}{
		{name: "java", stat: "5192 (java) S 1 5190 5190 0 -1 4194560 12 0 0 0 1234 56 0 0 20 0 70 0 100 0 0",
			want: 12.9e9},
		// The command name may hold spaces and parentheses: fields count from the last ')'.
		{name: "odd command name", stat: "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 300 100 0 0 20 0 1 0 5 0 0",
			want: 4 * time.Second},
		{name: "no command", stat: "7 a R 1", wantErr: true},
		{name: "truncated", stat: "7 (x) R 1 7 7 0 -1 0 0 0 0 0 3", wantErr: true},
		{name: "not a number", stat: "7 (x) R 1 7 7 0 -1 0 0 0 0 0 3 x 0", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU(tc.stat)
			if (err != nil) != tc.wantErr {
				t.Fatalf("parseStatCPU: err = %v, want error %v", err, tc.wantErr)
			}
			if got != tc.want {
				t.Errorf("parseStatCPU = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseVmHWM(t *testing.T) {
	for _, tc := range []struct {
		name, status string
		want         int64
		wantErr      bool
	}{
		{name: "present", status: "Name:\tjava\nVmPeak:\t  9 kB\nVmHWM:\t  2048 kB\nVmRSS:\t 1 kB\n", want: 2 << 20},
		{name: "missing", status: "Name:\tjava\n", wantErr: true},
		{name: "garbled", status: "VmHWM:\tlots\n", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseVmHWM(tc.status)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("parseVmHWM = %d, %v; want %d, error %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestProcSelf reads this process's own figures, the path the benchmarks
// take for the job server's JVM.
func TestProcSelf(t *testing.T) {
	cpu, err := ProcCPU(os.Getpid())
	if err != nil || cpu < 0 {
		t.Fatalf("ProcCPU(self) = %v, %v", cpu, err)
	}
	if rss, err := ProcPeakRSS(os.Getpid()); err != nil || rss <= 0 {
		t.Fatalf("ProcPeakRSS(self) = %d, %v", rss, err)
	}
}
