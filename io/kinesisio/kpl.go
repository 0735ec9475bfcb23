package kinesisio

import (
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// kplMagic prefixes every KPL-aggregated record.
var kplMagic = []byte{0xF3, 0x89, 0x9A, 0xC2}

// userRecord is one record of a de-aggregated Kinesis record.
type userRecord struct {
	data         []byte
	partitionKey string
	sub          int64 // -1 for a plain record
}

// errNotAggregated marks a record that only looks like an aggregate.
var errNotAggregated = errors.New("not a KPL aggregate")

// deaggregate splits a KPL-aggregated record into its user records; a plain
// record comes back whole with sub-sequence -1.
//
// AWS's Go de-aggregation module is not available to this project, and the
// format is small (magic, a protobuf AggregatedRecord, its MD5), so it is
// decoded here with protowire rather than generated code. A record that
// carries the magic prefix but fails the MD5 or protobuf check is passed on
// as a plain record, which is what the KPL's own consumers do.
func deaggregate(data []byte, partitionKey string) []userRecord {
	recs, err := parseAggregate(data)
	if err != nil {
		return []userRecord{{data: data, partitionKey: partitionKey, sub: -1}}
	}
	return recs
}

func parseAggregate(data []byte) ([]userRecord, error) {
	if len(data) < len(kplMagic)+md5.Size || !bytes.HasPrefix(data, kplMagic) {
		return nil, errNotAggregated
	}
	body := data[len(kplMagic) : len(data)-md5.Size]
	sum := md5.Sum(body)
	if !bytes.Equal(sum[:], data[len(data)-md5.Size:]) {
		return nil, fmt.Errorf("%w: MD5 mismatch", errNotAggregated)
	}
	var keys []string
	var raw [][]byte
	for len(body) > 0 {
		num, typ, n := protowire.ConsumeTag(body)
		if n < 0 {
			return nil, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(n))
		}
		body = body[n:]
		switch {
		case num == 1 && typ == protowire.BytesType: // partition_key_table
			v, m := protowire.ConsumeBytes(body)
			if m < 0 {
				return nil, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(m))
			}
			keys = append(keys, string(v))
			n = m
		case num == 3 && typ == protowire.BytesType: // records
			v, m := protowire.ConsumeBytes(body)
			if m < 0 {
				return nil, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(m))
			}
			raw = append(raw, v)
			n = m
		default: // explicit_hash_key_table and unknown fields
			n = protowire.ConsumeFieldValue(num, typ, body)
			if n < 0 {
				return nil, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(n))
			}
		}
		body = body[n:]
	}
	out := make([]userRecord, 0, len(raw))
	for i, r := range raw {
		u, err := parseUserRecord(r, keys)
		if err != nil {
			return nil, err
		}
		u.sub = int64(i)
		out = append(out, u)
	}
	return out, nil
}

func parseUserRecord(b []byte, keys []string) (userRecord, error) {
	var u userRecord
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return u, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType: // partition_key_index
			v, m := protowire.ConsumeVarint(b)
			if m < 0 || v >= uint64(len(keys)) {
				return u, fmt.Errorf("%w: bad partition key index", errNotAggregated)
			}
			u.partitionKey = keys[v]
			n = m
		case num == 3 && typ == protowire.BytesType: // data
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return u, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(m))
			}
			u.data = v
			n = m
		default: // explicit_hash_key_index, tags
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return u, fmt.Errorf("%w: %v", errNotAggregated, protowire.ParseError(n))
			}
		}
		b = b[n:]
	}
	return u, nil
}
