// The load generator of benchmarks/rows_server.py. Reads {jobs, parallel} on stdin, each job
// {url, connections, duration or amount, requests: [{method, path, headers, body}]}; runs them one after the
// other (or all at once with parallel: --quick, which measures nothing) and prints one JSON list, a line per job:
// {"ok": 2xx answers and 409s (the create-409 answer), "answered": all answers, "errors", "seconds", "p99": ms}.
// Bodies may carry [<id>] (replaced by a fresh id per request) so that every create is unique.
'use strict'
const autocannon = require('autocannon')

function run (job) {
  const opts = { url: job.url, connections: job.connections, idReplacement: true, requests: job.requests }
  if (job.amount) opts.amount = job.amount
  else opts.duration = job.duration
  return autocannon(opts).then((result) => {
    const answered = result['1xx'] + result['2xx'] + result['3xx'] + result['4xx'] + result['5xx']
    const conflicts = ((result.statusCodeStats || {})['409'] || { count: 0 }).count
    return {
      ok: result['2xx'] + conflicts,
      answered,
      errors: result.errors + result.timeouts,
      seconds: result.duration,
      p99: result.latency.p99
    }
  })
}

async function main (input) {
  if (input.parallel) return Promise.all(input.jobs.map(run))
  const out = []
  for (const job of input.jobs) out.push(await run(job))
  return out
}

let raw = ''
process.stdin.on('data', (chunk) => { raw += chunk })
process.stdin.on('end', () => {
  main(JSON.parse(raw)).then(
    (results) => console.log(JSON.stringify(results)),
    (err) => { console.error(err.message); process.exit(1) }
  )
})
