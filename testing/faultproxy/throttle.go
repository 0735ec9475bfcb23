package faultproxy

import (
	"hash/crc32"
	"net/http"
	"strconv"
	"strings"
)

// Bodies the SDKs parse into typed errors; both codes are in aws-sdk-go-v2's
// list of retryable throttles.
const (
	jsonThrottleBody = `{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded (injected)"}`
	s3ThrottleBody   = `<?xml version="1.0" encoding="UTF-8"?>` +
		`<Error><Code>SlowDown</Code><Message>Please reduce your request rate. (injected)</Message>` +
		`<RequestId>faultproxy</RequestId></Error>`
)

// operation returns the JSON-protocol operation name of r ("PutRecord" for
// "Kinesis_20131202.PutRecord"), or "" for other requests (S3's REST-XML).
func operation(r *http.Request) string {
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		return ""
	}
	_, op, found := strings.Cut(target, ".")
	if !found {
		return target
	}
	return op
}

// writeThrottle answers r as the service would when throttling it.
func writeThrottle(w http.ResponseWriter, r *http.Request) {
	if operation(r) != "" {
		// Echo the request's JSON flavour: 1.1 for Kinesis, 1.0 for DynamoDB.
		ct := r.Header.Get("Content-Type")
		if ct == "" {
			ct = "application/x-amz-json-1.1"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("X-Amzn-ErrorType", "ProvisionedThroughputExceededException")
		// DynamoDB sends the body's CRC32 and its SDK checks it (absent reads as 0).
		w.Header().Set("X-Amz-Crc32", strconv.FormatUint(uint64(crc32.ChecksumIEEE([]byte(jsonThrottleBody))), 10))
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(jsonThrottleBody))
		return
	}
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = w.Write([]byte(s3ThrottleBody))
}
