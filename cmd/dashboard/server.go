package main

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// assets holds the page, its script and style: no CDN, no external requests.
//
//go:embed assets
var assets embed.FS

// server serves the page and /api/summary. Summaries are cached for
// minAge, so several open pages cost one read of the tables.
type server struct {
	r       *reader
	refresh time.Duration
	minAge  time.Duration

	mu   sync.Mutex
	last *Summary
	at   time.Time
}

func (s *server) handler() http.Handler {
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/summary", s.handleSummary)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	return mux
}

// apiSummary is the response of /api/summary.
type apiSummary struct {
	*Summary
	RefreshMs int64 `json:"refresh_ms"`
}

func (s *server) handleSummary(w http.ResponseWriter, req *http.Request) {
	sum, err := s.summary(req.Context())
	w.Header().Set("Cache-Control", "no-store")
	if err != nil {
		slog.Error("summary", "err", err)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(apiSummary{Summary: sum, RefreshMs: s.refresh.Milliseconds()})
}

func (s *server) summary(ctx context.Context) (*Summary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last != nil && time.Since(s.at) < s.minAge {
		return s.last, nil
	}
	sum, err := s.r.summary(ctx)
	if err != nil {
		return nil, err
	}
	s.last, s.at = sum, time.Now()
	return sum, nil
}
