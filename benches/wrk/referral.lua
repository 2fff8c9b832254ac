-- Referral transition (write): BENCH_DATA lists "id status token": referrals and the token of
-- a worker who may move each.
-- Each thread owns its share; a referral is handed to a connection only while no request on
-- it is in flight: it leaves the ready queue on request() and comes back from response(),
-- which reads the referral's id and new status from the answer. So two connections never hit
-- the same referral, and each request alternates hold/resume. A 409 counts as an error.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local ready, first, last = {}, 1, 0   -- a FIFO: ready[first..last]
local all = {}       -- this thread's share, for the fallback below
non2xx = 0

setup = c.setup

local token_of = {}   -- referral id -> request headers (its worker's token)
local function push(id, status) last = last + 1; ready[last] = { id, status } end

function init(args)
  local mine = c.share(c.lines(), tid, tonumber(os.getenv("BENCH_THREADS")))
  for _, l in ipairs(mine) do
    local id, st, tok = l:match("^(%S+)%s+(%S+)%s+(%S+)$")
    token_of[id] = { ["Authorization"] = "Bearer " .. tok, ["Accept"] = "application/json",
                     ["Content-Type"] = "application/json" }
    push(id, st)
    table.insert(all, { id, st })
  end
end

local verified = false

function request()
  if tid == 0 and not verified then
    -- wrk calls request() once in the first thread to inspect it, before any connection:
    -- answer without taking a referral out of the pool.
    verified = true
    local r = ready[first]
    return wrk.format("POST", "/api/v1/referrals/" .. r[1] .. "/hold", token_of[r[1]], '{"reason":"benchmark"}')
  end
  local r = ready[first]
  if r == nil then
    -- Only after errors drained the pool: reuse one at random (may collide: counted as error).
    io.stderr:write("referral: ready queue empty, reusing a referral\n")
    r = all[math.random(1, #all)]
  else
    ready[first] = nil
    first = first + 1
  end
  local h = token_of[r[1]]
  if r[2] == "on_hold" then
    return wrk.format("POST", "/api/v1/referrals/" .. r[1] .. "/resume", h, "{}")
  else
    return wrk.format("POST", "/api/v1/referrals/" .. r[1] .. "/hold", h, '{"reason":"benchmark"}')
  end
end

function response(status, headers, resp)
  local id = resp:match('^{"id":"([^"]+)"')
  local st = resp:match('"status":"([^"]+)"')
  if status >= 200 and status <= 299 and id and st then
    push(id, st)
  else
    non2xx = non2xx + 1
    wrk.thread:set("non2xx", non2xx)
    if non2xx <= 3 then io.stderr:write("referral: HTTP " .. status .. " " .. resp:sub(1, 300) .. "\n") end
    -- An error answer names no referral: that referral leaves the pool (its state is unknown).
    -- The pool is several times the connections, so a run with a few errors still completes.
  end
end

done = c.done
