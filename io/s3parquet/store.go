package s3parquet

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// store is where a sink's objects go: an S3 bucket (uploader) or, with
// WithLocalDir, a local directory standing in for it.
type store interface {
	put(ctx context.Context, key, contentType string, body []byte) error
	uri(key string) string
}

// newStore opens the store c names.
func newStore(ctx context.Context, c sinkConfig) (store, error) {
	if c.LocalDir != "" {
		return dirStore{root: filepath.Join(c.LocalDir, c.Bucket)}, nil
	}
	up, err := newUploader(ctx, c)
	if err != nil {
		return nil, err
	}
	return up, nil
}

// dirStore writes each object to root/<key>. A file is written under a
// temporary name and renamed into place, so that a reader never sees half an
// object and a retried bundle replaces whole files, as S3's PUT does.
type dirStore struct {
	root string
}

func (d dirStore) put(_ context.Context, key, _ string, body []byte) error {
	path := filepath.Join(d.root, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("s3parquet: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".partial-*")
	if err != nil {
		return fmt.Errorf("s3parquet: %w", err)
	}
	_, err = tmp.Write(body)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("s3parquet: write %s: %w", path, err)
	}
	return nil
}

func (d dirStore) uri(key string) string {
	return "file://" + filepath.ToSlash(filepath.Join(d.root, filepath.FromSlash(key)))
}
