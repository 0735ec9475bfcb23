package kinesisio

import "testing"

func TestCompareSequence(t *testing.T) {
	long := "49590338271490256608559692538361571095921575989136588898"
	tests := []struct {
		a, b string
		want int
	}{
		{"1", "2", -1},
		{"10", "9", 1},
		{long, long, 0},
		{long, long + "0", -1},
		{"", "0", 0},
		{"", "1", -1},
		{"0009", "10", -1},
		{"49590338271490256608559692538361571095921575989136588899", long, 1},
	}
	for _, tt := range tests {
		if got := CompareSequence(tt.a, tt.b); got != tt.want {
			t.Errorf("CompareSequence(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPositionAfter(t *testing.T) {
	tests := []struct {
		p, q Position
		want bool
	}{
		{Position{"5", -1}, Position{"4", -1}, true},
		{Position{"5", 0}, Position{"5", -1}, true},
		{Position{"5", 2}, Position{"5", 3}, false},
		{Position{"5", 3}, Position{"5", 3}, false},
		{Position{"100", -1}, Position{"99", 7}, true},
	}
	for _, tt := range tests {
		if got := tt.p.After(tt.q); got != tt.want {
			t.Errorf("%v.After(%v) = %v, want %v", tt.p, tt.q, got, tt.want)
		}
	}
}
