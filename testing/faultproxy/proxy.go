// Package faultproxy is an HTTP reverse proxy for the local AWS stack that
// injects service throttling errors into a share of the calls, so tests can
// check that clients retry and that pipelines stay exact under throttling.
package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
)

// Proxy forwards requests to one target endpoint, throttling some of them.
type Proxy struct {
	share float64
	seed  int64
	ops   map[string]bool // nil: every request is eligible

	proxy    *httputil.ReverseProxy
	listener net.Listener
	server   *http.Server

	mu  sync.Mutex // guards rng: one draw per eligible request
	rng *rand.Rand

	passed, injected atomic.Int64
}

// Stats counts requests handled so far.
type Stats struct {
	// Passed requests were forwarded to the target.
	Passed int64
	// Injected requests were answered with a throttling error.
	Injected int64
}

// New starts a proxy on 127.0.0.1 (a free port) forwarding to target, an
// endpoint such as http://127.0.0.1:4567. Without options it forwards
// everything unchanged.
func New(target string, opts ...Option) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("faultproxy: target %q is not an absolute URL (%v)", target, err)
	}
	p := &Proxy{}
	for _, opt := range opts {
		opt(p)
	}
	if p.share < 0 || p.share > 1 {
		return nil, fmt.Errorf("faultproxy: throttle share %v outside [0, 1]", p.share)
	}
	p.rng = rand.New(rand.NewPCG(uint64(p.seed), 0))
	p.proxy = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			// Keep the Host the client signed (SigV4 covers it).
			pr.Out.Host = pr.In.Host
		},
	}
	if p.listener, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("faultproxy: listen: %w", err)
	}
	p.server = &http.Server{Handler: p}
	go func() { _ = p.server.Serve(p.listener) }()
	return p, nil
}

// URL is the proxy's endpoint, to use in place of the target's.
func (p *Proxy) URL() string { return "http://" + p.listener.Addr().String() }

// Stats returns the counts so far.
func (p *Proxy) Stats() Stats {
	return Stats{Passed: p.passed.Load(), Injected: p.injected.Load()}
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() error {
	if err := p.server.Close(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("faultproxy: close: %w", err)
	}
	return nil
}

// ServeHTTP forwards r or answers it with a throttling error.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.inject(r) {
		p.injected.Add(1)
		// Read the body first so the client is not cut off mid-upload.
		_, _ = io.Copy(io.Discard, r.Body)
		writeThrottle(w, r)
		return
	}
	p.passed.Add(1)
	p.proxy.ServeHTTP(w, r)
}

func (p *Proxy) inject(r *http.Request) bool {
	if p.share == 0 {
		return false
	}
	if p.ops != nil && !p.ops[operation(r)] {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rng.Float64() < p.share
}
