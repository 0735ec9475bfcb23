package lifecycle

import (
	"math/rand/v2"
	"testing"

	"github.com/deliverypipe/deliverypipe/transforms/wire/wiretest"
)

func TestOrderFactBinaryForm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	facts := []OrderFact{
		{},
		{OrderID: "o1", Cancelled: true},
		{OrderID: "o1", Complete: true},
		{CreatedMillis: -1, DeliveredMillis: 1 << 50, PrepMinutes: -0.25},
	}
	for range 50 {
		facts = append(facts, wiretest.Random[OrderFact](rng))
	}
	wiretest.BinaryForm(t, facts...)
}
