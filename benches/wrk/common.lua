-- Shared by the benchmark's wrk scripts (benches/bench.py runs them).
-- Input (environment): BENCH_TOKEN (bearer token), BENCH_DATA (a file, one item per line).
-- Each thread takes its own share of the items (setup numbers the threads), so writes never
-- touch the same object from two threads. done() prints one line "BENCH_JSON {...}".
local M = {}

local threads = {}
local nthreads_seen = 0

function M.setup(thread)
  nthreads_seen = nthreads_seen + 1
  thread:set("tid", nthreads_seen - 1)
  table.insert(threads, thread)
end

function M.lines()
  local path = os.getenv("BENCH_DATA")
  local out = {}
  if path and path ~= "" then
    for line in io.lines(path) do
      if line ~= "" then table.insert(out, line) end
    end
  end
  return out
end

-- This thread's share: items i with (i - 1) % nthreads == tid.
function M.share(items, tid, nthreads)
  local out = {}
  for i, v in ipairs(items) do
    if (i - 1) % nthreads == tid then table.insert(out, v) end
  end
  return out
end

function M.headers(extra)
  local h = {
    ["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or ""),
    ["Accept"] = "application/json",
  }
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function M.done(summary, latency, requests)
  local non2xx = 0
  local counted = false
  for _, t in ipairs(threads) do
    local n = t:get("non2xx")
    if n ~= nil then non2xx = non2xx + n; counted = true end
  end
  if not counted then non2xx = summary.errors.status end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"connect":%d,"read":%d,' ..
    '"write":%d,"timeout":%d,"status_ge400":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, non2xx, e.connect, e.read, e.write, e.timeout,
    e.status, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end

return M
