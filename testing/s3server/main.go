// Command s3server runs gofakes3 as an S3-compatible HTTP server for the local
// test stack.
//
//	s3server -addr 127.0.0.1:0 -dir DIR [-addr-file FILE]
//
// With -dir the objects live in a bbolt file under DIR (s3bolt backend), so a
// restarted server still has them; without it they are kept in memory. The
// bound address is written to -addr-file (atomically) so that a caller passing
// port 0 learns the port without racing for it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address (host:port); port 0 picks a free one")
	dir := flag.String("dir", "", "keep data in DIR/s3.bolt; empty keeps it in memory")
	addrFile := flag.String("addr-file", "", "write the bound host:port to this file once listening")
	flag.Parse()

	if err := run(*addr, *dir, *addrFile); err != nil {
		log.Fatalf("s3server: %v", err)
	}
}

func run(addr, dir, addrFile string) error {
	backend, closeBackend, err := newBackend(dir)
	if err != nil {
		return err
	}
	defer closeBackend()

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	if addrFile != "" {
		if err := writeAtomic(addrFile, ln.Addr().String()+"\n"); err != nil {
			return err
		}
	}
	log.Printf("s3 listening on %s (data %s)", ln.Addr(), describe(dir))

	faker := gofakes3.New(backend, gofakes3.WithAutoBucket(false))
	srv := &http.Server{Handler: faker.Server(), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func newBackend(dir string) (gofakes3.Backend, func(), error) {
	if dir == "" {
		return s3mem.New(), func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create data dir: %w", err)
	}
	// Opened here rather than with s3bolt.NewFile so the file can be closed
	// cleanly on shutdown.
	db, err := bolt.Open(filepath.Join(dir, "s3.bolt"), 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		return nil, nil, fmt.Errorf("open bolt store in %s: %w", dir, err)
	}
	return s3bolt.New(db), func() { _ = db.Close() }, nil
}

func describe(dir string) string {
	if dir == "" {
		return "in memory"
	}
	return filepath.Join(dir, "s3.bolt")
}

func writeAtomic(path, content string) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("rename %s: %w", tmp, err)
	}
	return nil
}
