-- wrk script for `Benchmarks/mixed.sh SECONDS roles` (issue 34): the mixed load with every role's
-- variants and the newer modules' pages, per 100 requests cycled in a shuffled order — lists,
-- searches and pages as the bureau, a district, a school and a teacher; balance; a 300,000-
-- application window's statistics; exchange, teaching, internship and the audit log; 8% writes
-- (new applications). Tokens, cookies and ids from the environment (mixed.sh sets them).
local e = os.getenv
local admin, district, school, reviewer = e("ADMIN"), e("DISTRICT"), e("SCHOOL"), e("REVIEWER")
local adminC, districtC, schoolC, teacherC = e("ADMIN_COOKIE"), e("DISTRICT_COOKIE"), e("SCHOOL_COOKIE"), e("TEACHER_COOKIE")
local d, w, q, q1 = e("DISTRICT_ID"), e("WINDOW"), e("QNAME"), e("QCHAR")
local kinds = {
  -- the registry, as each scope sends it
  {10, "GET", "/api/v1/teachers?district=" .. d, district},
  {5, "GET", "/api/v1/teachers", school},
  {5, "GET", "/api/v1/teachers?q=" .. q, admin},
  {3, "GET", "/api/v1/teachers?q=" .. q1, district},
  {2, "GET", "/api/v1/teachers?q=" .. q1, school},
  {8, "GET", "/api/v1/schools?district=" .. d, district},
  {8, "PAGE", "/teachers?district=" .. d, districtC},
  {3, "PAGE", "/teachers", schoolC},
  {6, "PAGE", "/schools", districtC},
  -- balance and certification
  {8, "GET", "/api/v1/balance?standard=basic&stage=primary&district=" .. d, district},
  {3, "GET", "/api/v1/balance?standard=basic&stage=primary", admin},
  {8, "GET", "/api/v1/certification/statistics?window=" .. w, reviewer},
  -- each role's home page
  {4, "PAGE", "/", adminC},
  {2, "PAGE", "/", districtC},
  {2, "PAGE", "/", schoolC},
  {4, "PAGE", "/", teacherC},
  -- the newer modules
  {2, "PAGE", "/exchange", districtC},
  {1, "PAGE", "/exchange", adminC},
  {1, "PAGE", "/exchange/eligible", districtC},
  {1, "PAGE", "/exchange/me", teacherC},
  {1, "PAGE", "/teaching", districtC},
  {1, "PAGE", "/teaching", adminC},
  {1, "PAGE", "/teaching", teacherC},
  {1, "PAGE", "/teaching/training/hours", districtC},
  {1, "PAGE", "/internship", adminC},
  {1, "PAGE", "/admin/audit", adminC},
  -- writes
  {8, "POST", "/api/v1/certification/applications", reviewer},
}
local schedule = {}
for _, k in ipairs(kinds) do for _ = 1, k[1] do table.insert(schedule, k) end end
assert(#schedule == 100, "the mix is 100 requests, not " .. #schedule)
local threads = {}
function setup(thread) thread:set("tid", #threads); table.insert(threads, thread) end
function init(args)
  counter = 0
  math.randomseed(1000 + tid)
  for i = #schedule, 2, -1 do local j = math.random(i); schedule[i], schedule[j] = schedule[j], schedule[i] end
end
local rid = dofile("Benchmarks/rid.lua")
function request()
  counter = counter + 1
  local k = schedule[(counter - 1) % #schedule + 1]
  if k[2] == "GET" then
    return wrk.format("GET", k[3], {["Authorization"] = "Bearer " .. k[4]})
  elseif k[2] == "PAGE" then
    return wrk.format("GET", k[3], {["Cookie"] = k[4]})
  end
  local body = string.format('{"name":"压测申请人","residentId":"%s","type":"primary","subject":"math","education":"bachelor","normalGraduate":false,"putonghua":"2B","route":"national_exam","examPassedOn":"2025-06-01","physicalExam":"pass"}',
    rid(tonumber(e("OFFSET") or "0") + counter * 8 + tid))
  return wrk.format("POST", k[3], {["Authorization"] = "Bearer " .. k[4], ["Content-Type"] = "application/json"}, body)
end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.0f req/s p50 %.1f ms p95 %.1f ms p99 %.1f ms non-2xx/3xx %d timeouts %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, summary.errors.status, summary.errors.timeout))
end
