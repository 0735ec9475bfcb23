package s3parquet

import (
	"fmt"
	"reflect"
	"strings"
)

// AthenaDDL renders the Glue/Athena CREATE EXTERNAL TABLE statement for the
// Parquet objects that Write produces from rows of type row under
// s3://${BUCKET}/${PREFIX}/<table>/, partitioned by the dt/hour path segments
// (with partition projection, so no MSCK REPAIR TABLE is needed).
// ${DATABASE}, ${BUCKET} and ${PREFIX} are left for the reader to fill in.
//
// Columns come from the row type's parquet tags, so the DDL cannot drift from
// what is written. A job keeps its rendered DDL beside its table schemas and a
// test that re-renders it (deliverypipe: pipelines/delivery/tables/ddl).
func AthenaDDL(table, comment string, row any) (string, error) {
	t := reflect.TypeOf(row)
	cols, err := athenaColumns(t)
	if err != nil {
		return "", fmt.Errorf("s3parquet: DDL for %s: %w", table, err)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(&b, "-- %s\n", line)
	}
	fmt.Fprintf(&b, "CREATE EXTERNAL TABLE IF NOT EXISTS ${DATABASE}.%s (\n", table)
	for i, c := range cols {
		sep := ","
		if i == len(cols)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  %s %s%s\n", c[0], c[1], sep)
	}
	loc := "s3://${BUCKET}/${PREFIX}/" + table + "/"
	fmt.Fprintf(&b, `)
PARTITIONED BY (dt string, hour string)
STORED AS PARQUET
LOCATION '%s'
TBLPROPERTIES (
  'parquet.compression'       = 'ZSTD',
  'projection.enabled'        = 'true',
  'projection.dt.type'        = 'date',
  'projection.dt.format'      = 'yyyy-MM-dd',
  'projection.dt.range'       = '2024-01-01,NOW',
  'projection.hour.type'      = 'integer',
  'projection.hour.range'     = '0,23',
  'projection.hour.digits'    = '2',
  'storage.location.template' = '%sdt=${dt}/hour=${hour}/'
);
`, loc, loc)
	return b.String(), nil
}

// athenaColumns lists (name, Athena type) for a struct's parquet-tagged fields.
func athenaColumns(t reflect.Type) ([][2]string, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("%v is not a struct", t)
	}
	var out [][2]string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("parquet")
		if tag == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && tag == "" {
			inner, err := athenaColumns(f.Type)
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = f.Name
		}
		typ, err := athenaType(f.Type, opts)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name, err)
		}
		out = append(out, [2]string{name, typ})
	}
	return out, nil
}

func athenaType(t reflect.Type, opts string) (string, error) {
	if strings.Contains(opts, "timestamp") {
		return "timestamp", nil
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
		return "bigint", nil
	case reflect.Float64, reflect.Float32:
		return "double", nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "binary", nil
		}
		elem, err := athenaType(t.Elem(), "")
		return "array<" + elem + ">", err
	case reflect.Struct:
		cols, err := athenaColumns(t)
		if err != nil {
			return "", err
		}
		parts := make([]string, len(cols))
		for i, c := range cols {
			parts[i] = c[0] + ": " + c[1]
		}
		return "struct<" + strings.Join(parts, ", ") + ">", nil
	}
	return "", fmt.Errorf("no Athena type for %v", t)
}

// LatestPaneSelect renders the query of a latest-pane view over from, a
// relation holding the rows Write produced from rows of type row together
// with the dt/hour partition columns: a table name (AthenaLatestPaneView), or
// anything a FROM clause takes, such as DuckDB's
// read_parquet('<dir>/*/*/*.parquet', hive_partitioning = true).
//
// Write names its objects per window, pane and shard, so a window that got
// late data has an object per pane next to its pane-0 object (and rows
// without PaneIndexer may repeat in a later object). The query keeps, per
// keys and window_start, one row of the highest pane column: with
// accumulating panes, the final value. dt and hour are in the PARTITION BY as well: they are
// functions of window_start (the partition time of an interval window), so
// the result is the same, and a filter on them in a query of the view can be
// pushed below the window function to prune partitions. It uses a window
// function in a subquery rather than QUALIFY, which Athena (Trino) engines do
// not all accept. The row type must have window_start and pane columns, and
// one for each key.
func LatestPaneSelect(from string, row any, keys ...string) (string, error) {
	cols, err := athenaColumns(reflect.TypeOf(row))
	if err != nil {
		return "", fmt.Errorf("s3parquet: latest-pane view: %w", err)
	}
	have := map[string]bool{}
	names := make([]string, 0, len(cols)+2)
	for _, c := range cols {
		have[c[0]] = true
		names = append(names, c[0])
	}
	if len(keys) == 0 {
		return "", fmt.Errorf("s3parquet: latest-pane view: no key columns")
	}
	for _, c := range append([]string{"window_start", "pane"}, keys...) {
		if !have[c] {
			return "", fmt.Errorf("s3parquet: latest-pane view: %T has no column %q", row, c)
		}
	}
	names = append(names, "dt", "hour")
	list := strings.Join(names, ", ")
	partition := strings.Join(append(append([]string(nil), keys...), "window_start", "dt", "hour"), ", ")
	return fmt.Sprintf(`SELECT %s
FROM (
  SELECT %s,
    row_number() OVER (PARTITION BY %s ORDER BY pane DESC) AS pane_rank
  FROM %s
) AS panes
WHERE pane_rank = 1`, list, list, partition, from), nil
}

// AthenaLatestPaneView renders the Athena CREATE OR REPLACE VIEW statement
// of ${DATABASE}.<table>_latest, the latest-pane view (LatestPaneSelect) of
// the table that AthenaDDL(table, ...) creates: each key and window once,
// holding its highest pane.
func AthenaLatestPaneView(table, comment string, row any, keys ...string) (string, error) {
	q, err := LatestPaneSelect("${DATABASE}."+table, row, keys...)
	if err != nil {
		return "", fmt.Errorf("%w (table %s)", err, table)
	}
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(comment), "\n") {
		fmt.Fprintf(&b, "-- %s\n", line)
	}
	fmt.Fprintf(&b, "CREATE OR REPLACE VIEW ${DATABASE}.%s_latest AS\n%s;\n", table, q)
	return b.String(), nil
}
