package bench

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ,
// which the Linux ABI fixes at 100 on every architecture (sysconf(_SC_CLK_TCK)
// needs cgo; the kernel scales its own HZ to it).
const clockTick = 10 * time.Millisecond

// ProcCPU is the CPU time (user + system, all threads) that process pid has
// used so far, from /proc/<pid>/stat. make bench-scale reads it for the Flink
// job server's JVM around a run, whose CPU the Go process's own rusage does
// not see.
func ProcCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: CPU time of pid %d: %w", pid, err)
	}
	d, err := parseStatCPU(string(stat))
	if err != nil {
		return 0, fmt.Errorf("bench: /proc/%d/stat: %w", pid, err)
	}
	return d, nil
}

// parseStatCPU returns utime + stime (fields 14 and 15) of a /proc/<pid>/stat
// line. The fields are counted after the last ')': the command name (field 2)
// is in parentheses and may itself hold spaces and parentheses.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("no command name in %q", stat)
	}
	// After ") " come field 3 (state) onwards, so utime is the 12th.
	f := strings.Fields(stat[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("utime/stime %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * clockTick, nil
}

// ProcPeakRSS is the peak resident set size in bytes of process pid (VmHWM
// in /proc/<pid>/status), since it started or since ResetProcPeakRSS.
func ProcPeakRSS(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("bench: peak RSS of pid %d: %w", pid, err)
	}
	n, err := parseVmHWM(string(status))
	if err != nil {
		return 0, fmt.Errorf("bench: /proc/%d/status: %w", pid, err)
	}
	return n, nil
}

// ResetProcPeakRSS starts process pid's VmHWM over from its current RSS
// (clear_refs 5), so that a long-lived job server's peak belongs to one run.
func ResetProcPeakRSS(pid int) error {
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		return fmt.Errorf("bench: resetting the peak RSS of pid %d: %w", pid, err)
	}
	return nil
}

// parseVmHWM returns the VmHWM line of a /proc/<pid>/status text in bytes.
func parseVmHWM(status string) (int64, error) {
	for line := range strings.Lines(status) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("VmHWM: %w", err)
			}
			return kib << 10, nil
		}
	}
	return 0, fmt.Errorf("no VmHWM line")
}
