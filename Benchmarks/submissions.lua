-- wrk script: each request creates a new application (a distinct, valid resident ID each time),
-- as a reviewer entering applications received at the counter. Set TOKEN in the environment.
local threads = {}
local token = os.getenv("TOKEN")

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  nthreads = tonumber(os.getenv("WRK_THREADS") or "2")
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

local rid = dofile("Benchmarks/rid.lua")

function request()
  counter = counter + 1
  local body = string.format('{"name":"压测申请人","residentId":"%s","type":"primary","subject":"math","education":"bachelor","normalGraduate":false,"putonghua":"2B","route":"national_exam","examPassedOn":"2025-06-01","physicalExam":"pass"}',
    rid(counter * nthreads + tid))
  return wrk.format(nil, "/api/v1/certification/applications", nil, body)
end
