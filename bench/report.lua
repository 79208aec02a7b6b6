-- wrk script of bench/run: sends the bench user's token and prints one machine-readable line
-- at the end. CRM_BENCH_PATHS names a file of request paths to rotate over (one per line, each
-- thread starting elsewhere); CRM_BENCH_CREATE_DIVISION makes every request create a customer
-- in that division, named uniquely by CRM_BENCH_RUN, the thread and a counter.
local token = os.getenv("CRM_BENCH_TOKEN")
local paths_file = os.getenv("CRM_BENCH_PATHS")
local create_division = os.getenv("CRM_BENCH_CREATE_DIVISION")
local run = os.getenv("CRM_BENCH_RUN") or "0"

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local paths = {}
local counter = 0

function init(args)
  if token and token ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if paths_file and paths_file ~= "" then
    for line in io.lines(paths_file) do
      if line ~= "" then
        paths[#paths + 1] = line
      end
    end
    counter = (tid or 1) * 7919
  end
  if create_division and create_division ~= "" then
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
end

if paths_file and paths_file ~= "" then
  function request()
    counter = counter + 1
    return wrk.format(nil, paths[counter % #paths + 1])
  end
elseif create_division and create_division ~= "" then
  function request()
    counter = counter + 1
    local body = string.format('{"name":"Bench %s-%d-%d","division_id":"%s","status":"prospect"}',
      run, tid or 0, counter, create_division)
    return wrk.format(nil, nil, nil, body)
  end
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %.1f %.3f %.3f %.3f %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors))
end
