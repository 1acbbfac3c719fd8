-- Shared by the benchmark's wrk scripts: tallies response statuses per thread and, when the run
-- is over, prints one line "BENCH_JSON {...}" with throughput, latency percentiles (microseconds),
-- socket errors and the status tally. bench/run.py parses that line.
--
-- Environment (read by every wrk thread, each in its own Lua state):
--   BENCH_DELAY_MS       optional pacing, see below
--   BENCH_AUTHORIZATION  the Authorization header value, e.g. "Bearer v1.employer...." (or
--                        "Bearer v1.essc...." for the e-SSC card read)
local M = {}

-- BENCH_DELAY_MS (optional, bench/run.py --paced-rate): milliseconds each connection waits after
-- an answer before its next request, through wrk's delay() hook. Unset: as fast as answers come.
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "")
if delay_ms ~= nil and delay_ms > 0 then
  function M.delay()
    return delay_ms
  end
end

local threads = {}

function M.apply_common_headers()
  local authorization = os.getenv("BENCH_AUTHORIZATION")
  if authorization ~= nil and authorization ~= "" then
    wrk.headers["Authorization"] = authorization
  end
  wrk.headers["Accept"] = "application/json"
end

function M.setup(thread)
  table.insert(threads, thread)
end

statuses = {}

function M.response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function number(value)
  return string.format("%.3f", value)
end

function M.done(summary, latency, requests)
  local tally = {}
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses") or {}
    for status, count in pairs(counted) do
      tally[status] = (tally[status] or 0) + count
    end
  end
  local status_items = {}
  for status, count in pairs(tally) do
    table.insert(status_items, string.format('"%d":%d', status, count))
  end
  local percentiles = {}
  for _, p in ipairs({50, 75, 90, 99, 99.9}) do
    table.insert(percentiles, string.format('"%s":%d', tostring(p), latency:percentile(p)))
  end
  local errors = summary.errors
  io.write("BENCH_JSON {",
    '"duration_us":', summary.duration, ",",
    '"requests":', summary.requests, ",",
    '"bytes":', summary.bytes, ",",
    '"latency_us":{"min":', latency.min, ',"max":', latency.max,
    ',"mean":', number(latency.mean), ',"stdev":', number(latency.stdev),
    ',"percentiles":{', table.concat(percentiles, ","), "}},",
    '"errors":{"connect":', errors.connect, ',"read":', errors.read, ',"write":', errors.write,
    ',"status":', errors.status, ',"timeout":', errors.timeout, "},",
    '"statuses":{', table.concat(status_items, ","), "}",
    "}\n")
end

return M
