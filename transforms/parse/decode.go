package parse

import (
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/deliverypipe/deliverypipe/transforms/event"
)

// Decode fills e from the JSON wire form of an event (see
// transforms/event/schema.json). e is reset first. On failure it returns an
// *Error whose Reason is MalformedJSON, InvalidUTF8, BadTimestamp or
// UnsupportedSchema; it checks syntax and types, not business rules (that is
// Validate's job).
//
// Rules beyond encoding/json's:
//   - the payload must be valid UTF-8 (encoding/json silently replaces bad bytes);
//     escaped lone surrogates become U+FFFD, as in encoding/json;
//   - a known field given twice, at any level, is MalformedJSON: readers that
//     keep the first or the last copy would disagree about the record;
//   - null counts as absent for every field;
//   - "pickup" (the seed's name) is read as event.PickedUp;
//   - the timestamp is RFC 3339 (any offset, converted to UTC, truncated to
//     milliseconds) or, as the seed's Python producer writes it, an ISO 8601
//     date-time without offset ("2026-03-14T12:00:00.123456"), read as UTC;
//     within years 1..9999, else BadTimestamp;
//   - schema_version, when present and not null, must be an integer >= 1, else
//     UnsupportedSchema; absent leaves e.SchemaVersion 0;
//   - unknown top-level fields are kept verbatim, in input order, as the JSON
//     object text e.Extra (so a newer schema_version loses nothing); unknown
//     fields inside location, items and metadata values are checked and skipped;
//   - a metadata value that is not a string is kept as its JSON text (objects
//     and arrays compacted with sorted keys); a null value is absent;
//   - an empty items array or metadata object decodes as nil, like an absent one.
//
// Why hand-written: the libraries that are fast enough do not check what a
// dead-letter decision needs. valyala/fastjson (parse to a tree, then walk it)
// costs about what this decoder does, in the same run, but skips the UTF-8,
// duplicate-key and strict-number checks and cannot return unknown fields
// verbatim; go-json-experiment's jsontext has the checks but its token reader
// alone took ≈ 2× this decoder's time; sonic needs its amd64 JIT and
// goccy/go-json lacks the checks too. This one scans the input once, checks
// as it goes and allocates four times per event (see BenchmarkDecode, which
// runs ≈ 6–7× faster than encoding/json, BenchmarkEncodingJSON).
func Decode(b []byte, e *event.Event) error {
	*e = event.Event{}
	if !utf8.Valid(b) {
		return &Error{Reason: InvalidUTF8, Detail: "payload is not valid UTF-8"}
	}
	// One copy of the payload backs every unescaped string field: one
	// allocation instead of one per field, at the cost of the event keeping
	// the payload's bytes alive while any of its strings is.
	d := decoder{b: b, s: string(b)}
	if d.peek() != '{' {
		return errorf(MalformedJSON, "want a JSON object")
	}
	if err := d.event(e); err != nil {
		return err
	}
	if d.peek() != 0 {
		return errorf(MalformedJSON, "offset %d: trailing data after the event object", d.i)
	}
	return nil
}

// maxDepth bounds the nesting of skipped unknown values, so hostile input
// cannot exhaust the stack.
const maxDepth = 64

// maxItems bounds the items of one event: a real order has a few dozen at
// most, and each item costs 32 bytes decoded against as little as 3 bytes
// ("{},") on the wire, so a 1 MiB array of empty objects would otherwise
// take ~65 MiB (TestDecodeAllocationBounded).
const maxItems = 1000

// Bits of the top-level fields already seen, for the duplicate check.
const (
	fEventID uint16 = 1 << iota
	fSchemaVersion
	fEventType
	fOrderID
	fDriverID
	fRestaurantID
	fTimestamp
	fLocation
	fItems
	fTotalPrice
	fMetadata
)

// minMillis and maxMillis bound timestamps to years 1..9999, the range that
// RFC 3339 (and event.FormatTime) can write back.
var (
	minMillis = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	maxMillis = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli() - 1
)

// zonelessLayout is an ISO 8601 date-time without offset; time.Parse also
// accepts a fraction after the seconds (Python writes six digits, or none
// when the microseconds are 0).
const zonelessLayout = "2006-01-02T15:04:05"

type decoder struct {
	b []byte
	s string // b as one string: unescaped string fields are slices of it
	i int
}

func (d *decoder) event(e *event.Event) error {
	var seen uint16
	var extra []byte
	err := d.object(func(key string, rawKey []byte) error {
		var bit uint16
		var err error
		switch key {
		case "event_id":
			bit = fEventID
			e.EventID, err = d.stringField("event_id")
		case "schema_version":
			bit = fSchemaVersion
			e.SchemaVersion, err = d.schemaVersion()
		case "event_type":
			bit = fEventType
			e.EventType, err = d.eventType()
		case "order_id":
			bit = fOrderID
			e.OrderID, err = d.stringField("order_id")
		case "driver_id":
			bit = fDriverID
			e.DriverID, err = d.stringField("driver_id")
		case "restaurant_id":
			bit = fRestaurantID
			e.RestaurantID, err = d.stringField("restaurant_id")
		case "timestamp":
			bit = fTimestamp
			e.EventTimeMillis, err = d.timestamp()
		case "location":
			bit = fLocation
			err = d.location(&e.Location)
		case "items":
			bit = fItems
			e.Items, err = d.items()
		case "total_price":
			bit = fTotalPrice
			e.TotalPrice, err = d.floatField("total_price")
		case "metadata":
			bit = fMetadata
			e.Metadata, err = d.metadata()
		default:
			d.ws()
			start := d.i
			if err := d.skip(0); err != nil {
				return err
			}
			if extra == nil {
				extra = append(extra, '{')
			} else {
				extra = append(extra, ',')
			}
			extra = append(extra, rawKey...)
			extra = append(extra, ':')
			extra = append(extra, d.b[start:d.i]...)
			return nil
		}
		if seen&bit != 0 {
			return errorf(MalformedJSON, "duplicate field %q", key)
		}
		seen |= bit
		return err
	})
	if err != nil {
		return err
	}
	if extra != nil {
		e.Extra = string(append(extra, '}'))
	}
	return nil
}

func (d *decoder) schemaVersion() (int64, error) {
	if d.null() {
		return 0, nil
	}
	raw, err := d.number()
	if err != nil {
		return 0, errorf(UnsupportedSchema, "schema_version: want an integer")
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || v < 1 {
		return 0, errorf(UnsupportedSchema, "schema_version %s: want an integer >= 1", raw)
	}
	return v, nil
}

func (d *decoder) eventType() (event.Type, error) {
	if d.null() {
		return "", nil
	}
	raw, esc, err := d.str()
	if err != nil {
		return "", typeErr(err, "event_type", "string")
	}
	if esc {
		raw = unescape(raw)
	}
	// Known types map to the constants, so the common case allocates nothing.
	switch string(raw) {
	case string(event.OrderCreated):
		return event.OrderCreated, nil
	case string(event.OrderAccepted):
		return event.OrderAccepted, nil
	case string(event.PickedUp), "pickup":
		return event.PickedUp, nil
	case string(event.Delivered):
		return event.Delivered, nil
	case string(event.Cancelled):
		return event.Cancelled, nil
	}
	return event.Type(raw), nil
}

func (d *decoder) timestamp() (int64, error) {
	if d.null() {
		return 0, nil
	}
	raw, esc, err := d.str()
	if err != nil {
		return 0, typeErr(err, "timestamp", "string")
	}
	if esc {
		raw = unescape(raw)
	}
	t, err := time.Parse(time.RFC3339, string(raw))
	if err != nil {
		// The seed's producer writes Python's datetime.utcnow().isoformat():
		// UTC without an offset. Without a zone, time.Parse reads UTC.
		if t, err = time.Parse(zonelessLayout, string(raw)); err != nil {
			return 0, errorf(BadTimestamp, "timestamp %q: not RFC 3339 nor an ISO 8601 UTC time without offset", raw)
		}
	}
	ms := t.UnixMilli()
	if ms < minMillis || ms > maxMillis {
		return 0, errorf(BadTimestamp, "timestamp %q: outside years 1..9999 UTC", raw)
	}
	return ms, nil
}

func (d *decoder) location(l *event.Location) error {
	if d.null() {
		return nil
	}
	if d.peek() != '{' {
		return errorf(MalformedJSON, "location: want an object")
	}
	var seenLat, seenLon bool
	return d.object(func(key string, _ []byte) error {
		var err error
		switch key {
		case "lat":
			if seenLat {
				return errorf(MalformedJSON, "location: duplicate field lat")
			}
			seenLat = true
			l.Lat, err = d.floatField("location.lat")
		case "lon":
			if seenLon {
				return errorf(MalformedJSON, "location: duplicate field lon")
			}
			seenLon = true
			l.Lon, err = d.floatField("location.lon")
		default:
			err = d.skip(1)
		}
		return err
	})
}

func (d *decoder) items() ([]event.Item, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '[' {
		return nil, errorf(MalformedJSON, "items: want an array")
	}
	d.i++
	if d.consume(']') {
		return nil, nil
	}
	// Collect on the stack, then copy once: one allocation for the usual order.
	var stack [8]event.Item
	items := stack[:0]
	for {
		var it event.Item
		if err := d.item(&it, len(items)); err != nil {
			return nil, err
		}
		items = append(items, it)
		if d.consume(',') {
			if len(items) == maxItems {
				return nil, errorf(TooLarge, "items: more than %d", maxItems)
			}
			continue
		}
		if d.consume(']') {
			return append([]event.Item(nil), items...), nil
		}
		return nil, d.syntax("',' or ']' in items")
	}
}

func (d *decoder) item(it *event.Item, n int) error {
	if d.peek() != '{' {
		return errorf(MalformedJSON, "items[%d]: want an object", n)
	}
	var seen uint8
	return d.object(func(key string, _ []byte) error {
		var bit uint8
		var err error
		switch key {
		case "item_id":
			bit = 1
			it.ItemID, err = d.stringField("items.item_id")
		case "qty":
			bit = 2
			it.Qty, err = d.intField("items.qty")
		case "price":
			bit = 4
			it.Price, err = d.floatField("items.price")
		default:
			return d.skip(1)
		}
		if seen&bit != 0 {
			return errorf(MalformedJSON, "items[%d]: duplicate field %q", n, key)
		}
		seen |= bit
		return err
	})
}

func (d *decoder) metadata() (map[string]string, error) {
	if d.null() {
		return nil, nil
	}
	if d.peek() != '{' {
		return nil, errorf(MalformedJSON, "metadata: want an object")
	}
	var m map[string]string
	err := d.object(func(key string, _ []byte) error {
		if d.null() {
			return nil
		}
		var v string
		var err error
		if d.peek() == '"' {
			v, err = d.stringField("metadata")
		} else {
			v, err = d.metadataJSON(key)
		}
		if err != nil {
			return err
		}
		if m == nil {
			m = make(map[string]string)
		} else if _, dup := m[key]; dup {
			return errorf(MalformedJSON, "metadata: duplicate key %q", key)
		}
		m[key] = v
		return nil
	})
	return m, err
}

// metadataJSON reads a metadata value that is not a string (the seed's
// producers put arbitrary JSON there) and returns its JSON text: numbers and
// literals verbatim, objects and arrays in encoding/json's canonical form
// (compact, keys sorted), so the value, and an identity derived from it, does
// not depend on the producer's key order or whitespace.
func (d *decoder) metadataJSON(key string) (string, error) {
	start := d.i
	if err := d.skip(1); err != nil {
		return "", err
	}
	raw := d.b[start:d.i]
	if raw[0] != '{' && raw[0] != '[' {
		return d.s[start:d.i], nil
	}
	v, err := canonicalJSON(raw)
	if err != nil {
		return "", errorf(MalformedJSON, "metadata %q: %v", key, err)
	}
	return v, nil
}

// object reads the object at d.i (the caller has checked the '{'), calling
// field for each member with the decoded key and the raw quoted key, when
// d.i is just after the ':'. field must consume the value.
func (d *decoder) object(field func(key string, rawKey []byte) error) error {
	d.i++ // '{'
	if d.consume('}') {
		return nil
	}
	for {
		d.ws()
		start := d.i
		raw, esc, err := d.str()
		if err != nil {
			return err
		}
		rawKey := d.b[start:d.i]
		key := d.s[start+1 : d.i-1]
		if esc {
			key = string(unescape(raw))
		}
		if !d.consume(':') {
			return d.syntax("':'")
		}
		if err := field(key, rawKey); err != nil {
			return err
		}
		if d.consume(',') {
			continue
		}
		if d.consume('}') {
			return nil
		}
		return d.syntax("',' or '}'")
	}
}

func (d *decoder) stringField(name string) (string, error) {
	if d.null() {
		return "", nil
	}
	raw, esc, err := d.str()
	if err != nil {
		return "", typeErr(err, name, "string")
	}
	if esc {
		return string(unescape(raw)), nil
	}
	end := d.i - 1 // the closing quote
	return d.s[end-len(raw) : end], nil
}

func (d *decoder) floatField(name string) (float64, error) {
	if d.null() {
		return 0, nil
	}
	raw, err := d.number()
	if err != nil {
		return 0, typeErr(err, name, "number")
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return 0, errorf(MalformedJSON, "%s: number %s out of range", name, raw)
	}
	return f, nil
}

func (d *decoder) intField(name string) (int64, error) {
	if d.null() {
		return 0, nil
	}
	raw, err := d.number()
	if err != nil {
		return 0, typeErr(err, name, "integer")
	}
	v, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		return 0, errorf(MalformedJSON, "%s: %s is not a 64-bit integer", name, raw)
	}
	return v, nil
}

// typeErr turns a scan error at a value that has the wrong JSON type into a
// clearer message; syntax errors inside a value of the right type pass through.
func typeErr(err error, name, want string) error {
	if pe, ok := err.(*Error); ok && pe.Detail == errWrongStart {
		return errorf(MalformedJSON, "%s: want a %s", name, want)
	}
	return err
}

const errWrongStart = "wrong start"

// skip checks and consumes one value of any type.
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return errorf(MalformedJSON, "offset %d: nesting deeper than %d", d.i, maxDepth)
	}
	switch d.peek() {
	case '"':
		_, _, err := d.str()
		return err
	case '{':
		return d.object(func(string, []byte) error { return d.skip(depth + 1) })
	case '[':
		d.i++
		if d.consume(']') {
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if d.consume(',') {
				continue
			}
			if d.consume(']') {
				return nil
			}
			return d.syntax("',' or ']'")
		}
	case 't':
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	_, err := d.number()
	return err
}

func (d *decoder) literal(lit string) error {
	if len(d.b)-d.i >= len(lit) && string(d.b[d.i:d.i+len(lit)]) == lit {
		d.i += len(lit)
		return nil
	}
	return d.syntax(lit)
}

// null consumes a null literal if one is next.
func (d *decoder) null() bool {
	if d.peek() == 'n' && len(d.b)-d.i >= 4 && string(d.b[d.i:d.i+4]) == "null" {
		d.i += 4
		return true
	}
	return false
}

// str scans the string at d.i and returns its raw content (between the
// quotes) and whether it holds escapes. The input is known to be valid UTF-8.
func (d *decoder) str() (raw []byte, esc bool, err error) {
	if d.peek() != '"' {
		return nil, false, &Error{Reason: MalformedJSON, Detail: errWrongStart}
	}
	d.i++
	start := d.i
	for d.i < len(d.b) {
		// Plain bytes are the bulk of every string: skip them in a tight loop
		// on locals (a loop on d.i would store to memory on every byte).
		b, i := d.b, d.i
		for i < len(b) && !stringSpecial[b[i]] {
			i++
		}
		d.i = i
		if d.i == len(d.b) {
			break
		}
		c := d.b[d.i]
		switch {
		case c == '"':
			raw = d.b[start:d.i]
			d.i++
			return raw, esc, nil
		case c == '\\':
			esc = true
			if d.i+1 >= len(d.b) {
				return nil, false, errorf(MalformedJSON, "unterminated string")
			}
			switch d.b[d.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				d.i += 2
			case 'u':
				if len(d.b)-d.i < 6 || hex4(d.b[d.i+2:d.i+6]) < 0 {
					return nil, false, errorf(MalformedJSON, "offset %d: bad \\u escape", d.i)
				}
				d.i += 6
			default:
				return nil, false, errorf(MalformedJSON, "offset %d: bad escape", d.i)
			}
		default: // below 0x20
			return nil, false, errorf(MalformedJSON, "offset %d: control character in string", d.i)
		}
	}
	return nil, false, errorf(MalformedJSON, "unterminated string")
}

// stringSpecial marks the bytes that end a run of plain string content.
var stringSpecial = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// number scans a number with JSON's grammar and returns its text.
func (d *decoder) number() ([]byte, error) {
	d.ws()
	b, i, start := d.b, d.i, d.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i+1)
	default:
		if i == start {
			return nil, &Error{Reason: MalformedJSON, Detail: errWrongStart}
		}
		return nil, errorf(MalformedJSON, "offset %d: bad number", start)
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return nil, errorf(MalformedJSON, "offset %d: bad number", start)
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return nil, errorf(MalformedJSON, "offset %d: bad number", start)
		}
		i = j
	}
	d.i = i
	return b[start:i], nil
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}

func (d *decoder) ws() {
	b, i := d.b, d.i
	for i < len(b) {
		if c := b[i]; c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			break
		}
		i++
	}
	d.i = i
}

// peek skips whitespace and returns the next byte, or 0 at the end.
func (d *decoder) peek() byte {
	d.ws()
	if d.i < len(d.b) {
		return d.b[d.i]
	}
	return 0
}

func (d *decoder) consume(c byte) bool {
	if d.peek() == c {
		d.i++
		return true
	}
	return false
}

func (d *decoder) syntax(want string) error {
	if d.i >= len(d.b) {
		return errorf(MalformedJSON, "unexpected end of input, want %s", want)
	}
	return errorf(MalformedJSON, "offset %d: want %s, found %q", d.i, want, d.b[d.i])
}

// hex4 decodes four hex digits, or returns -1.
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// unescape decodes the escapes of a string already checked by str.
func unescape(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := rune(-1)
				if len(raw)-i >= 6 && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 = hex4(raw[i+2:])
				}
				if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
					r = dec
					i += 6
				} else {
					r = utf8.RuneError
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		default: // '"', '\\', '/'
			out = append(out, raw[i+1])
		}
		i += 2
	}
	return out
}
