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

local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = {"1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"}

local function rid(seq)
  local day = seq % 28 + 1
  local mon = math.floor(seq / 28) % 12 + 1
  local yr = 1970 + math.floor(seq / 336) % 30
  local s3 = math.floor(seq / 10080) % 1000
  local head = string.format("130481%04d%02d%02d%03d", yr, mon, day, s3)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(head:sub(i, i)) * weights[i] end
  return head .. checks[sum % 11 + 1]
end

function request()
  counter = counter + 1
  local body = string.format('{"name":"压测申请人","residentId":"%s","type":"primary","subject":"math","education":"bachelor","normalGraduate":false,"putonghua":"2B","route":"national_exam","examPassedOn":"2025-06-01","physicalExam":"pass"}',
    rid(counter * nthreads + tid))
  return wrk.format(nil, "/api/v1/certification/applications", nil, body)
end
