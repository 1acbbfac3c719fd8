-- GET /applications/{id}/status: the URL given to wrk carries the path; the bearer token comes
-- from BENCH_AUTHORIZATION (see report.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local report = dofile(here .. "report.lua")

wrk.method = "GET"
report.apply_common_headers()

setup = report.setup
response = report.response
done = report.done
delay = report.delay  -- nil unless paced (BENCH_DELAY_MS)
