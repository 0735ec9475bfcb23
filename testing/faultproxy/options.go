package faultproxy

// Option configures a Proxy.
type Option func(*Proxy)

// WithThrottle answers a share (0..1) of the affected requests with the
// service's throttling error instead of forwarding them. The choice is drawn
// from a generator seeded with seed, so a run's sequence of injections is
// reproducible for the same sequence of requests.
func WithThrottle(share float64, seed int64) Option {
	return func(p *Proxy) {
		p.share = share
		p.seed = seed
	}
}

// WithOperations limits injection to JSON-protocol requests (Kinesis,
// DynamoDB) whose X-Amz-Target ends in one of ops, e.g. "GetRecords" or
// "PutItem". S3 requests carry no target and are then never affected.
// Without this option every request is eligible.
func WithOperations(ops ...string) Option {
	return func(p *Proxy) {
		p.ops = make(map[string]bool, len(ops))
		for _, op := range ops {
			p.ops[op] = true
		}
	}
}
