package enrich

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.Function1x1(archiveBatchOf)
	beam.RegisterType(reflect.TypeFor[ArchiveRow]())
	beam.RegisterType(reflect.TypeFor[ArchiveBatch]())
	beam.RegisterType(reflect.TypeFor[ArchiveItem]())
}

// ArchiveItem is one order line in the event archive.
type ArchiveItem struct {
	ItemID string  `parquet:"item_id"`
	Qty    int64   `parquet:"qty"`
	Price  float64 `parquet:"price"`
}

// ArchiveRow is an enriched event as a row of the events table in S3
// (Athena DDL: pipelines/delivery/tables/ddl/events.sql). Metadata and unknown fields are
// JSON text with sorted keys, so a replay writes byte-identical files (Go
// maps iterate in random order).
type ArchiveRow struct {
	EventID           string        `parquet:"event_id"`
	SchemaVersion     int64         `parquet:"schema_version"`
	EventType         string        `parquet:"event_type"`
	OrderID           string        `parquet:"order_id"`
	DriverID          string        `parquet:"driver_id"`
	RestaurantID      string        `parquet:"restaurant_id"`
	EventTime         int64         `parquet:"event_time,timestamp(millisecond)"`
	Lat               float64       `parquet:"lat"`
	Lon               float64       `parquet:"lon"`
	Items             []ArchiveItem `parquet:"items,list"`
	TotalPrice        float64       `parquet:"total_price"`
	Metadata          string        `parquet:"metadata"`
	Extra             string        `parquet:"extra"`
	RestaurantName    string        `parquet:"restaurant_name"`
	Cuisine           string        `parquet:"cuisine"`
	DriverVehicle     string        `parquet:"driver_vehicle"`
	Zone              string        `parquet:"zone"`
	UnknownRestaurant bool          `parquet:"unknown_restaurant"`
	UnknownDriver     bool          `parquet:"unknown_driver"`
}

// ArchiveBatch is the archive rows of one Batch, for the Parquet sink's
// WriteFixedWindowBatches (which windows each row by its own event time).
type ArchiveBatch struct {
	Rows []ArchiveRow
}

// ParquetRows returns the rows (s3parquet.TimedBatch).
func (b ArchiveBatch) ParquetRows() []any {
	rows := make([]any, len(b.Rows))
	for i := range b.Rows {
		rows[i] = b.Rows[i]
	}
	return rows
}

// ParquetRowMillis returns each row's event time (s3parquet.TimedBatch).
func (b ArchiveBatch) ParquetRowMillis() []int64 {
	ms := make([]int64, len(b.Rows))
	for i := range b.Rows {
		ms[i] = b.Rows[i].EventTime
	}
	return ms
}

// ArchiveRows maps a PCollection<Batch> to a PCollection<ArchiveBatch>, each
// row as ArchiveRowOf maps it.
func ArchiveRows(s beam.Scope, enriched beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("enrich.ArchiveRows"), archiveBatchOf, enriched)
}

func archiveBatchOf(b Batch) ArchiveBatch {
	out := ArchiveBatch{Rows: make([]ArchiveRow, len(b.Rows))}
	for i := range b.Rows {
		out.Rows[i] = ArchiveRowOf(b.Rows[i])
	}
	return out
}

// ArchiveRowOf is the events-table row of e, as ArchiveRows maps it.
func ArchiveRowOf(e Enriched) ArchiveRow {
	ev := e.Event
	items := make([]ArchiveItem, len(ev.Items))
	for i, it := range ev.Items {
		items[i] = ArchiveItem{ItemID: it.ItemID, Qty: it.Qty, Price: it.Price}
	}
	return ArchiveRow{
		EventID: ev.EventID, SchemaVersion: ev.SchemaVersion, EventType: string(ev.EventType),
		OrderID: ev.OrderID, DriverID: ev.DriverID, RestaurantID: ev.RestaurantID,
		EventTime: ev.EventTimeMillis, Lat: ev.Location.Lat, Lon: ev.Location.Lon,
		Items: items, TotalPrice: ev.TotalPrice, Metadata: sortedJSON(ev.Metadata), Extra: ev.Extra,
		RestaurantName: e.RestaurantName, Cuisine: e.Cuisine, DriverVehicle: e.DriverVehicle, Zone: e.Zone,
		UnknownRestaurant: e.UnknownRestaurant, UnknownDriver: e.UnknownDriver,
	}
}

// sortedJSON renders m as JSON ("" for none), exactly as encoding/json
// does (keys sorted, which keeps replays byte-identical), without its
// reflection: it runs once per event and was most of ArchiveRowOf's
// cost.
func sortedJSON(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	b := make([]byte, 0, 64)
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i == 0 {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = append(appendJSONString(b, k), ':')
		b = appendJSONString(b, m[k])
	}
	return string(append(b, '}'))
}

// appendJSONString appends s as encoding/json quotes it: plain printable
// ASCII as it is, anything it escapes (quotes, backslashes, control and
// HTML characters, U+2028, U+2029, invalid UTF-8) through encoding/json.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
