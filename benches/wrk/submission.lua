-- Checklist submission (write): BENCH_DATA's first line is the JSON body with the pupil
-- pseudonym "PSEUDO"; each request gets its own pseudonym. Counts non-2xx itself.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local c = require("common")
local body, h, k = nil, nil, 0
non2xx = 0

setup = c.setup

function init(args)
  body = c.lines()[1]
  h = c.headers({ ["Content-Type"] = "application/json" })
end

function request()
  k = k + 1
  local b = body:gsub("PSEUDO", string.format("B%d-%d", tid, k))
  return wrk.format("POST", "/api/v1/checklist-submissions", h, b)
end

function response(status, headers, resp)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    wrk.thread:set("non2xx", non2xx)
    if non2xx <= 3 then io.stderr:write("submission: HTTP " .. status .. " " .. resp:sub(1, 300) .. "\n") end
  end
end

done = c.done
