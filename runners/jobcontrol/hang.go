package jobcontrol

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"
)

// DumpHang records what a diagnosis of a hung job on a local job server
// needs, before anyone cancels it (so that the stacks show the hang, not
// its teardown): this process's goroutines, where a LOOPBACK SDK harness
// runs, and a jstack of the job server whose jobserver.pid is in stackDir
// (runners/jobserver.sh). Both go into stackDir, named after name and the
// time. It returns a sentence saying where they are, or why one is missing;
// it never fails, since its caller is already failing.
func DumpHang(stackDir, name string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' {
			return '-'
		}
		return r
	}, name)
	base := filepath.Join(stackDir, fmt.Sprintf("hang-%s-%s", safe, time.Now().UTC().Format("20060102T150405")))
	var notes []string
	var goroutines bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&goroutines, 2); err != nil {
		notes = append(notes, fmt.Sprintf("Go goroutines not dumped: %v", err))
	} else if err := os.WriteFile(base+".goroutines.txt", goroutines.Bytes(), 0o644); err != nil {
		notes = append(notes, fmt.Sprintf("Go goroutines not written: %v", err))
	} else {
		notes = append(notes, "Go goroutines: "+base+".goroutines.txt")
	}
	pid, err := os.ReadFile(filepath.Join(stackDir, "jobserver.pid"))
	if err != nil {
		return strings.Join(append(notes, fmt.Sprintf("no job server pid for a jstack (%v)", err)), "; ")
	}
	out, err := exec.Command("jstack", strings.TrimSpace(string(pid))).CombinedOutput()
	switch {
	case err != nil:
		notes = append(notes, fmt.Sprintf("jstack %s failed (%v); run it by hand while the job hangs", strings.TrimSpace(string(pid)), err))
	case os.WriteFile(base+".jstack.txt", out, 0o644) != nil:
		notes = append(notes, "jstack not written to "+base+".jstack.txt")
	default:
		notes = append(notes, "job server threads: "+base+".jstack.txt (look for CancellableQueue.put and ActiveBundle.close)")
	}
	return strings.Join(notes, "; ")
}
