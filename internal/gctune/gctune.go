// Package gctune sizes the Go garbage collector of a process that runs
// pipeline workers (a Beam Go worker, or a launcher whose workers run in
// process: LOOPBACK).
//
// A worker allocates its elements at a high rate and keeps little of them:
// on the embedded Flink job server at 1M events the live heap stays at
// 70–250 MB while the default GOGC=100 collects every 100–200 ms, and the
// collector took about a fifth of the worker's CPU (docs/benchmarks.md).
// Letting the heap grow to 5 × the live heap between collections roughly
// halves that, for a larger peak heap, which a soft memory limit bounds: near
// it the collector runs as often as it must.
package gctune

import (
	"flag"
	"os"
	"runtime/debug"
)

// Defaults of ForWorker, used when the environment does not set GOGC or
// GOMEMLIMIT.
const (
	WorkerGCPercent   = 400
	WorkerMemoryLimit = 3 << 30 // bytes
)

// ForWorker sets the collector's target to WorkerGCPercent and its soft
// memory limit to WorkerMemoryLimit, each unless the process's environment
// sets it (GOGC, GOMEMLIMIT: the Go runtime's own settings win), and reports
// what it set, for the log.
func ForWorker() (gcPercent int, memoryLimit int64) {
	gcPercent, memoryLimit = -1, -1
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(WorkerGCPercent)
		gcPercent = WorkerGCPercent
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(WorkerMemoryLimit)
		memoryLimit = WorkerMemoryLimit
	}
	return gcPercent, memoryLimit
}

// HostsWorkers reports whether the process whose flags fs holds (parsed
// already) runs pipeline workers: it was started as one (Beam's --worker),
// or it hosts its runner's workers itself (--environment_type=LOOPBACK, a
// job server's workers in the submitting process). The in-process prism
// and a launcher whose workers run elsewhere (PROCESS, DOCKER) do not.
func HostsWorkers(fs *flag.FlagSet) bool {
	if w := fs.Lookup("worker"); w != nil && w.Value.String() == "true" {
		return true
	}
	e := fs.Lookup("environment_type")
	return e != nil && e.Value.String() == "LOOPBACK"
}
