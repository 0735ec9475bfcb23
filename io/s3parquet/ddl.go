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
// what is written; a test keeps the files in io/s3parquet/ddl current.
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
