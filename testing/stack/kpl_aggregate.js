#!/usr/bin/env node
// Aggregates user records with AWS's own KPL aggregation library
// (aws-kinesis-agg, pinned in package.json), so Go tests can check the
// reader's de-aggregator against records it did not build itself.
//
// stdin:  {"records":[{"partitionKey":"k","data":"<base64>"}, ...]}
// stdout: {"records":[{"partitionKey":"k","data":"<base64>"}, ...]}, one
//         entry per aggregated Kinesis record, in the library's order.
'use strict';
const { aggregate } = require('aws-kinesis-agg');

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const records = JSON.parse(input).records.map((r) => ({
    partitionKey: r.partitionKey,
    data: Buffer.from(r.data, 'base64'),
  }));
  const out = [];
  let failed = false;
  aggregate(records,
    (encoded, done) => {
      out.push({ partitionKey: encoded.partitionKey, data: encoded.data.toString('base64') });
      done();
    },
    () => {
      if (failed) {
        process.exit(1);
      }
      process.stdout.write(JSON.stringify({ records: out }) + '\n');
    },
    (err) => {
      failed = true;
      process.stderr.write(`kpl_aggregate: ${err}\n`);
    });
});
