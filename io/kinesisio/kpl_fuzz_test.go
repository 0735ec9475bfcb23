package kinesisio

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"testing"
)

// awsAggregate is an aggregate of ("a","hello"), ("b","world") as built by
// AWS's aws-kinesis-agg 4.2.8 (testing/stack/kpl_aggregate.js).
const awsAggregate = "84mawgoBYQoBYhoJCAAaBWhlbGxvGgkIARoFd29ybGR89FIozXmUGwVuZ0OZC/ir"

// frame wraps a protobuf body as a KPL record: magic, body, MD5 of body.
func frame(body []byte) []byte {
	sum := md5.Sum(body)
	return append(append(append([]byte(nil), kplMagic...), body...), sum[:]...)
}

// FuzzDeaggregate feeds arbitrary bytes both raw and framed with a valid
// magic and checksum (so the protobuf decoder is reached, not just the MD5
// check). It must not panic, must pass unparseable records on whole, and may
// allocate at most one user record per two input bytes (the smallest encoded
// record field is a tag and a zero length).
func FuzzDeaggregate(f *testing.F) {
	agg, err := base64.StdEncoding.DecodeString(awsAggregate)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(agg[len(kplMagic) : len(agg)-md5.Size])
	f.Add([]byte("plain payload"))
	f.Add([]byte{})
	f.Add([]byte{0x1a, 0x00, 0x1a, 0x02, 0x08, 0x05})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, data := range [][]byte{body, frame(body)} {
			recs := deaggregate(data, "pk")
			if len(recs) == 1 && recs[0].sub == -1 {
				if !bytes.Equal(recs[0].data, data) || recs[0].partitionKey != "pk" {
					t.Fatalf("plain record changed: %q -> %+v", data, recs[0])
				}
				continue
			}
			if len(recs) > len(data)/2 {
				t.Fatalf("%d user records from %d bytes", len(recs), len(data))
			}
			total := 0
			for i, r := range recs {
				if r.sub != int64(i) {
					t.Fatalf("user record %d has sub-sequence %d", i, r.sub)
				}
				total += len(r.data)
			}
			if total > len(data) {
				t.Fatalf("%d payload bytes from a %d-byte record", total, len(data))
			}
		}
	})
}

func TestDeaggregateRejectsCorruptAggregates(t *testing.T) {
	agg, err := base64.StdEncoding.DecodeString(awsAggregate)
	if err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(agg)
	flipped[len(kplMagic)+3] ^= 0xff // body changed, MD5 no longer matches
	tests := []struct {
		name string
		data []byte
	}{
		{"checksum mismatch", flipped},
		{"truncated", agg[:len(agg)-1]},
		{"magic only", bytes.Clone(kplMagic)},
		{"bad protobuf under a valid checksum", frame([]byte{0x1a, 0x05, 0x01})},
		{"partition key index out of range", frame([]byte{0x0a, 0x01, 'k', 0x1a, 0x02, 0x08, 0x01})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseAggregate(tt.data); err == nil {
				t.Fatal("parsed a corrupt aggregate")
			}
			recs := deaggregate(tt.data, "pk")
			if len(recs) != 1 || recs[0].sub != -1 || !bytes.Equal(recs[0].data, tt.data) {
				t.Fatalf("corrupt aggregate not passed on whole: %+v", recs)
			}
		})
	}
}
