#!/usr/bin/env node
// Health check for the local stack: one real API call per service.
//
//   node health.js kinesis|dynamodb|s3 http://127.0.0.1:PORT
//
// Exits 0 when the call answers 200 (ListStreams, ListTables, ListBuckets).
// The emulators check that a SigV4-shaped Authorization header is present but
// not the signature, so a fixed one is enough here; real clients use the SDK.
'use strict'

const http = require('http')

const calls = {
  kinesis: { target: 'Kinesis_20131202.ListStreams', type: 'application/x-amz-json-1.1', svc: 'kinesis' },
  dynamodb: { target: 'DynamoDB_20120810.ListTables', type: 'application/x-amz-json-1.0', svc: 'dynamodb' },
  s3: { svc: 's3' },
}

function check(service, endpoint) {
  const call = calls[service]
  if (!call) return Promise.reject(new Error(`unknown service ${service}`))
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '')
  const headers = {
    'X-Amz-Date': amzDate,
    Authorization: `AWS4-HMAC-SHA256 Credential=test/${amzDate.slice(0, 8)}/us-east-1/${call.svc}/aws4_request, ` +
      'SignedHeaders=host;x-amz-date, Signature=0',
  }
  let body = ''
  if (call.target) {
    body = '{}'
    headers['X-Amz-Target'] = call.target
    headers['Content-Type'] = call.type
  }
  headers['Content-Length'] = Buffer.byteLength(body)
  const url = new URL(endpoint)
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: url.hostname, port: url.port, path: '/', method: call.target ? 'POST' : 'GET', headers, timeout: 2000,
    }, (res) => {
      let text = ''
      res.on('data', (d) => { text += d })
      res.on('end', () => res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}: ${text}`)))
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end(body)
  })
}

check(process.argv[2], process.argv[3]).then(
  () => process.exit(0),
  (err) => {
    console.error(`${process.argv[2]} at ${process.argv[3]}: ${err.message}`)
    process.exit(1)
  })
