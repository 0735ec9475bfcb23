#!/usr/bin/env node
// Launches kinesalite or dynalite bound to 127.0.0.1. Their own CLIs bind every
// interface, so this calls the modules' listen(port, host) directly.
//
//   node serve.js kinesis|dynamodb [--port N] [--path DIR] [--addr-file FILE]
//                 [--shard-limit N] [--delay-ms N]
//
// --port 0 (default) picks a free port; the bound address is written to
// --addr-file (atomically, via rename) so a caller can learn it without a race.
// --path keeps data on disk (LevelDB), so a restarted server sees the old data.
// --delay-ms is how long CREATING/DELETING/UPDATING lasts (small keeps tests fast).
'use strict'

const fs = require('fs')

function parseArgs(argv) {
  const opts = { port: 0, path: '', addrFile: '', shardLimit: 50, delayMs: 50 }
  const service = argv[0]
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i], val = argv[i + 1]
    if (val === undefined) throw new Error(`missing value for ${key}`)
    switch (key) {
      case '--port': opts.port = Number(val); break
      case '--path': opts.path = val; break
      case '--addr-file': opts.addrFile = val; break
      case '--shard-limit': opts.shardLimit = Number(val); break
      case '--delay-ms': opts.delayMs = Number(val); break
      default: throw new Error(`unknown flag ${key}`)
    }
  }
  return { service, opts }
}

function makeServer(service, opts) {
  const common = {}
  if (opts.path) {
    fs.mkdirSync(opts.path, { recursive: true })
    common.path = opts.path
  }
  switch (service) {
    case 'kinesis':
      return require('kinesalite')(Object.assign(common, {
        shardLimit: opts.shardLimit,
        createStreamMs: opts.delayMs,
        deleteStreamMs: opts.delayMs,
        updateStreamMs: opts.delayMs,
      }))
    case 'dynamodb':
      return require('dynalite')(Object.assign(common, {
        createTableMs: opts.delayMs,
        deleteTableMs: opts.delayMs,
        updateTableMs: opts.delayMs,
      }))
    default:
      throw new Error(`unknown service ${JSON.stringify(service)} (want kinesis or dynamodb)`)
  }
}

function main() {
  const { service, opts } = parseArgs(process.argv.slice(2))
  const server = makeServer(service, opts)
  server.on('error', (err) => {
    console.error(`${service}: ${err.message}`)
    process.exit(1)
  })
  server.listen(opts.port, '127.0.0.1', () => {
    const { address, port } = server.address()
    const addr = `${address}:${port}`
    if (opts.addrFile) {
      fs.writeFileSync(opts.addrFile + '.tmp', addr + '\n')
      fs.renameSync(opts.addrFile + '.tmp', opts.addrFile)
    }
    console.log(`${service} listening on ${addr}${opts.path ? ' data ' + opts.path : ' in memory'}`)
  })
  // Close the server (and so its LevelDB) on a polite stop, so data is flushed.
  for (const sig of ['SIGTERM', 'SIGINT']) {
    process.on(sig, () => {
      server.close(() => process.exit(0))
      // close() waits for open keep-alive connections; don't let a client hold us up.
      setTimeout(() => process.exit(0), 2000).unref()
    })
  }
}

try {
  main()
} catch (err) {
  console.error(`serve.js: ${err.message}`)
  process.exit(2)
}
