-- GET scenarios: BENCH_DATA lists request paths (with query); each thread cycles through its
-- share. Only wrk's own counters are used (no response() callback: cheaper), so "non2xx" is
-- wrk's status errors (>= 400; these routes answer no 1xx/3xx).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local reqs, n, i = {}, 0, 0

setup = c.setup

function init(args)
  local all = c.lines()
  local mine = c.share(all, tid, tonumber(os.getenv("BENCH_THREADS")))
  if #mine == 0 then mine = all end
  local h = c.headers()
  for _, p in ipairs(mine) do table.insert(reqs, wrk.format("GET", p, h)) end
  n = #reqs
  i = (tid * 7919) % n
end

function request()
  i = i % n + 1
  return reqs[i]
end

done = c.done
