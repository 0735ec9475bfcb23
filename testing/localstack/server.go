package localstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// startTimeout bounds how long a server may take to answer its first call when
// the caller's context has no deadline.
const startTimeout = 60 * time.Second

// server is one emulator process. It is restarted on the same port, so clients
// holding its endpoint keep working.
type server struct {
	name    string                      // kinesis, dynamodb or s3; also the file prefix in dir
	dir     string                      // the stack directory: <name>.log, <name>.addr
	command func(port int) []string     // argv for a given port (0 = pick one)
	healthy func(context.Context) error // one real API call against the endpoint

	port int
	cmd  *exec.Cmd
	done chan struct{} // closed once cmd has been waited for
}

func (s *server) addrFile() string { return filepath.Join(s.dir, s.name+".addr") }

func (s *server) logPath() string { return filepath.Join(s.dir, s.name+".log") }

// logTail is the last n lines of the file at path, or why it cannot be read.
func logTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func (s *server) endpoint() string {
	return "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
}

// launch starts the process; port 0 lets the server pick a free port, which
// it reports through its address file (no race between choosing and binding).
func (s *server) launch(port int) error {
	if err := os.Remove(s.addrFile()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("localstack: %s: %w", s.name, err)
	}
	logf, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("localstack: %s log: %w", s.name, err)
	}
	defer logf.Close() // the child has its own copy of the descriptor

	argv := s.command(port)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Own process group, so stop() reaches anything the server spawns;
		// Pdeathsig so the server dies with the test binary even when it is
		// killed before any cleanup runs (go test timeout, SIGKILL).
		Setpgid:   true,
		Pdeathsig: syscall.SIGKILL,
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("localstack: start %s: %w", s.name, err)
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func(done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(s.done)
	return nil
}

// waitReady waits for the address file, then for a successful API call.
func (s *server) waitReady(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startTimeout)
		defer cancel()
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var lastErr error
	for {
		if s.port == 0 {
			lastErr = s.readPort()
		}
		if s.port != 0 {
			if lastErr = s.healthy(ctx); lastErr == nil {
				return nil
			}
		}
		select {
		case <-s.done:
			return fmt.Errorf("localstack: %s exited while starting (%v); see %s", s.name, s.cmd.ProcessState, s.logPath())
		case <-ctx.Done():
			return fmt.Errorf("localstack: %s not healthy: %w (last error: %v)", s.name, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

func (s *server) readPort() error {
	b, err := os.ReadFile(s.addrFile())
	if err != nil {
		return err
	}
	_, portStr, err := net.SplitHostPort(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("address file %s: %w", s.addrFile(), err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("address file %s: %w", s.addrFile(), err)
	}
	s.port = port
	return nil
}

// start launches the server and waits until it answers. With s.port set it
// binds that port again (a restart).
func (s *server) start(ctx context.Context) error {
	if err := s.launch(s.port); err != nil {
		return err
	}
	if err := s.waitReady(ctx); err != nil {
		_ = s.stop(syscall.SIGKILL)
		return err
	}
	return nil
}

// stop signals the process group and waits for the server to exit, escalating
// to SIGKILL if it does not stop within a few seconds.
func (s *server) stop(sig syscall.Signal) error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.done:
		// It exited on its own: a crash, which the tests only saw as
		// refused connections. Say so, with the end of its log.
		err := fmt.Errorf("localstack: %s had exited before it was stopped (%v); the end of %s:\n%s",
			s.name, s.cmd.ProcessState, s.logPath(), logTail(s.logPath(), 20))
		s.cmd = nil
		return err
	default:
	}
	pid := s.cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("localstack: signal %s: %w", s.name, err)
	}
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		<-s.done
	}
	s.cmd = nil
	return nil
}
