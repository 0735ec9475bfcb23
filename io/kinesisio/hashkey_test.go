package kinesisio_test

import (
	"math/big"
	"testing"
)

func midHashKey(t *testing.T, lo, hi string) string {
	t.Helper()
	a, ok1 := new(big.Int).SetString(lo, 10)
	b, ok2 := new(big.Int).SetString(hi, 10)
	if !ok1 || !ok2 {
		t.Fatalf("bad hash keys %q %q", lo, hi)
	}
	return new(big.Int).Rsh(new(big.Int).Add(a, b), 1).String()
}
