// Package parse turns raw order-event payloads into typed event.Event values
// and routes every record it cannot accept to a dead-letter output with a
// typed Reason.
//
// Decode reads the JSON wire form (transforms/event/schema.json) with a
// single-pass decoder; Validate applies the business rules; Parse is the Beam
// PTransform doing both, with counters that add up: parse.read =
// parse.valid + parse.dead_letter.
package parse
