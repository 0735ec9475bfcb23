package lifecycle

// OrderFact is one order's lifecycle, joined from its events. Times are
// event times in Unix ms, 0 when the step was not seen; minute durations
// are 0 unless both of their ends were seen.
type OrderFact struct {
	OrderID         string  `parquet:"order_id"`
	RestaurantID    string  `parquet:"restaurant_id"`
	DriverID        string  `parquet:"driver_id"`
	Zone            string  `parquet:"zone"` // delivery zone: geohash-6 of the delivered event's location
	CreatedMillis   int64   `parquet:"created,timestamp(millisecond)"`
	AcceptedMillis  int64   `parquet:"accepted,timestamp(millisecond)"`
	PickedUpMillis  int64   `parquet:"picked_up,timestamp(millisecond)"`
	DeliveredMillis int64   `parquet:"delivered,timestamp(millisecond)"`
	CancelledMillis int64   `parquet:"cancelled,timestamp(millisecond)"`
	PrepMinutes     float64 `parquet:"prep_minutes"`     // created → picked up
	DeliveryMinutes float64 `parquet:"delivery_minutes"` // picked up → delivered
	TotalMinutes    float64 `parquet:"total_minutes"`    // created → delivered
	Cancelled       bool    `parquet:"cancelled_flag"`
	Complete        bool    `parquet:"complete"` // a delivered or cancelled event was seen; false: expired
}

func minutes(from, to int64) float64 {
	if from == 0 || to == 0 {
		return 0
	}
	return float64(to-from) / 60_000
}

// earliest keeps the first time a step was seen (a repeat keeps the earlier).
func earliest(cur, t int64) int64 {
	if cur == 0 || t < cur {
		return t
	}
	return cur
}

// finish fills the derived fields.
func (f *OrderFact) finish() {
	f.PrepMinutes = minutes(f.CreatedMillis, f.PickedUpMillis)
	f.DeliveryMinutes = minutes(f.PickedUpMillis, f.DeliveredMillis)
	f.TotalMinutes = minutes(f.CreatedMillis, f.DeliveredMillis)
	f.Cancelled = f.CancelledMillis != 0 && f.DeliveredMillis == 0
	f.Complete = f.DeliveredMillis != 0 || f.CancelledMillis != 0
}

// terminalMillis is when the order ended (delivered wins over cancelled), or 0.
func (f *OrderFact) terminalMillis() int64 {
	if f.DeliveredMillis != 0 {
		return f.DeliveredMillis
	}
	return f.CancelledMillis
}
