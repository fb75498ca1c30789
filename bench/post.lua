-- wrk script: POST a JSON body with a bearer key. Set BENCH_BODY_FILE and BENCH_KEY in the environment.
local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("BENCH_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end
local extra = os.getenv("BENCH_PATH")
if extra and extra ~= "" then wrk.path = extra end

errors = 0
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_NON200 %d\n", summary.errors.status))
end
