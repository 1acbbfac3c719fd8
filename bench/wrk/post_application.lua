-- POST /applications: the URL given to wrk carries the path; the JSON body is read once from the
-- file named by BENCH_BODY_FILE and sent unchanged on every request (each creates a new
-- application on the simulator); the bearer token comes from BENCH_AUTHORIZATION.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local report = dofile(here .. "report.lua")

local path = os.getenv("BENCH_BODY_FILE")
if path == nil or path == "" then
  error("post_application.lua needs BENCH_BODY_FILE (a JSON request body)")
end
local file = assert(io.open(path, "rb"))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
report.apply_common_headers()

setup = report.setup
response = report.response
done = report.done
delay = report.delay  -- nil unless paced (BENCH_DELAY_MS)
