package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

// liveEvery is the refresh interval of the live progress line.
const liveEvery = 200 * time.Millisecond

// progress reports a run's progress on stderr: a line rewritten in place on a
// terminal, plain periodic lines otherwise (logs, CI).
type progress struct {
	out   io.Writer
	live  bool
	every time.Duration
	start time.Time
	last  time.Time
}

func newProgress(out io.Writer, every time.Duration) *progress {
	f, ok := out.(*os.File)
	live := ok && term.IsTerminal(int(f.Fd()))
	if live {
		every = liveEvery
	}
	now := time.Now()
	return &progress{out: out, live: live, every: every, start: now, last: now}
}

func (p *progress) update(now time.Time, s summary) {
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	s.Elapsed = now.Sub(p.start)
	if p.live {
		fmt.Fprintf(p.out, "\r%s\033[K", s)
	} else {
		fmt.Fprintln(p.out, s)
	}
}

func (p *progress) finish(s summary) {
	if p.live {
		fmt.Fprint(p.out, "\r\033[K")
	}
	fmt.Fprintf(p.out, "done: %s\n", s)
}
