package enrich

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	// Plain paths: Beam's local file system is the registry's default scheme.
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
)

// Restaurant is one row of the restaurant dimension
// (restaurants.csv: restaurant_id,name,cuisine,zone,lat,lon).
type Restaurant struct {
	ID, Name, Cuisine, Zone string
	Lat, Lon                float64
}

// Driver is one row of the driver dimension
// (drivers.csv: driver_id,name,vehicle,home_zone).
type Driver struct {
	ID, Name, Vehicle, HomeZone string
}

// Dimensions holds the dimension tables by id.
type Dimensions struct {
	Restaurants map[string]Restaurant
	Drivers     map[string]Driver
}

// LoadDimensions reads the restaurant and driver CSV files (the layout
// internal/simulator writes; columns found by header name, extra columns
// ignored). Each location is opened through Beam's file system registry
// (beam/io/filesystem): a plain path with the local file system, which this
// package registers; another scheme needs its file system imported by the
// program, as pipelines/delivery imports Beam's s3 one for s3://bucket/key
// (AWS default configuration: endpoint from AWS_ENDPOINT_URL_S3 or the
// profile). Enrichment thus knows no storage service.
func LoadDimensions(ctx context.Context, restaurants, drivers string) (*Dimensions, error) {
	d := &Dimensions{}
	var err error
	if d.Restaurants, err = loadTable(ctx, restaurants, []string{"restaurant_id", "name", "cuisine", "zone", "lat", "lon"},
		func(f []string) (string, Restaurant, error) {
			lat, err1 := strconv.ParseFloat(f[4], 64)
			lon, err2 := strconv.ParseFloat(f[5], 64)
			if err := errors.Join(err1, err2); err != nil {
				return "", Restaurant{}, fmt.Errorf("lat/lon: %w", err)
			}
			return f[0], Restaurant{ID: f[0], Name: f[1], Cuisine: f[2], Zone: f[3], Lat: lat, Lon: lon}, nil
		}); err != nil {
		return nil, err
	}
	if d.Drivers, err = loadTable(ctx, drivers, []string{"driver_id", "name", "vehicle", "home_zone"},
		func(f []string) (string, Driver, error) {
			return f[0], Driver{ID: f[0], Name: f[1], Vehicle: f[2], HomeZone: f[3]}, nil
		}); err != nil {
		return nil, err
	}
	return d, nil
}

// loadTable reads a CSV table whose header holds columns (in any order) and
// builds a map with row; the row function gets the fields in columns' order.
//
// An empty uri is an empty table: without dimension files every id is unknown
// and only the zone is added.
func loadTable[T any](ctx context.Context, uri string, columns []string, row func([]string) (string, T, error)) (map[string]T, error) {
	if uri == "" {
		return map[string]T{}, nil
	}
	rc, err := open(ctx, uri)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	r := csv.NewReader(rc)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("enrich: read header of %s: %w", uri, err)
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = -1
		for j, h := range header {
			if strings.TrimSpace(h) == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return nil, fmt.Errorf("enrich: %s has no column %q (header %v)", uri, c, header)
		}
	}
	out := map[string]T{}
	fields := make([]string, len(columns))
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("enrich: read %s: %w", uri, err)
		}
		for i, j := range idx {
			fields[i] = rec[j]
		}
		id, v, err := row(fields)
		if err != nil {
			return nil, fmt.Errorf("enrich: %s line %d: %w", uri, line, err)
		}
		out[id] = v
	}
}

// open returns the content of uri from the file system its scheme names;
// closing it closes that file system too.
func open(ctx context.Context, uri string) (io.ReadCloser, error) {
	fs, err := filesystem.New(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("enrich: dimension file %s: %w", uri, err)
	}
	r, err := fs.OpenRead(ctx, uri)
	if err != nil {
		fs.Close()
		return nil, fmt.Errorf("enrich: open dimension file: %w", err)
	}
	return fileReader{r, fs}, nil
}

// fileReader is an open file and the file system it was opened from.
type fileReader struct {
	io.ReadCloser
	fs io.Closer
}

func (f fileReader) Close() error { return errors.Join(f.ReadCloser.Close(), f.fs.Close()) }
