package kinesisio

import "strings"

// Position is a point in a shard: a sequence number and, inside a KPL
// aggregate, the index of the user record (-1 for a whole record).
type Position struct {
	Sequence    string `json:"seq"`
	SubSequence int64  `json:"sub"`
}

// IsZero reports whether p names no record (the start of a shard).
func (p Position) IsZero() bool { return p.Sequence == "" }

// After reports whether p comes strictly after q.
func (p Position) After(q Position) bool {
	if c := CompareSequence(p.Sequence, q.Sequence); c != 0 {
		return c > 0
	}
	return p.SubSequence > q.SubSequence
}

// CompareSequence compares two Kinesis sequence numbers as unsigned big
// integers: -1, 0 or +1. The empty string sorts before everything.
//
// Sequence numbers are decimal strings of up to 129 digits without leading
// zeros, so comparing length first and then the digits is exact and, unlike
// math/big, allocates nothing on the hot path.
func CompareSequence(a, b string) int {
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return strings.Compare(a, b)
}

// beforeRecord is the SubSequence of a checkpoint that stops just before a
// record: the reader re-reads the record's sequence number from its start.
const beforeRecord = -2

// Before returns the checkpoint that makes WithCheckpoint, which resumes
// after a position, resume at p itself: replays must start at a known record,
// and Kinesis has no "position before" a sequence number.
func Before(p Position) Position {
	if p.SubSequence > 0 {
		return Position{Sequence: p.Sequence, SubSequence: p.SubSequence - 1}
	}
	return Position{Sequence: p.Sequence, SubSequence: beforeRecord}
}
