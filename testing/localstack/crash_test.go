package localstack

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
)

// TestStopReportsACrash kills kinesalite behind the stack's back, as a crash
// would: Stop must say so, with the end of its log, and keep the directory.
func TestStopReportsACrash(t *testing.T) {
	s, err := Start(context.Background()) // its own directory, removed by a clean Stop
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(s.Dir) })
	srv := s.servers["kinesis"]
	if err := syscall.Kill(-srv.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.done
	err = s.Stop()
	if err == nil || !strings.Contains(err.Error(), "kinesis had exited before it was stopped") ||
		!strings.Contains(err.Error(), "kinesis listening on") {
		t.Fatalf("Stop after a crash = %v, want the crash reported with the log's end", err)
	}
	if _, err := os.Stat(srv.logPath()); err != nil {
		t.Errorf("the crashed server's log is gone: %v", err)
	}
}
