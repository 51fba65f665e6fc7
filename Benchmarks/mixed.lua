-- wrk script for Benchmarks/mixed.sh: a fixed mix of 100 requests, cycled in a shuffled order:
-- lists and searches in a district and across the province, balance for a district and the
-- province, a 300,000-application window's statistics, HTML pages, and 10% writes (new
-- applications, each with a distinct valid resident ID). Tokens, cookies and ids from the environment.
local e = os.getenv
local admin, district, reviewer = e("ADMIN"), e("DISTRICT"), e("REVIEWER")
local adminCookie, districtCookie = e("ADMIN_COOKIE"), e("DISTRICT_COOKIE")
local d, w, q = e("DISTRICT_ID"), e("WINDOW"), e("QNAME")
-- Each level of the run starts its resident IDs at OFFSET, so no level repeats another's.
local kinds = {
  {15, "GET", "/api/v1/teachers?district=" .. d, district},
  {10, "GET", "/api/v1/teachers?q=" .. q, admin},
  {5, "GET", "/api/v1/teachers?district=" .. d .. "&q=" .. q, district},
  {10, "GET", "/api/v1/schools?district=" .. d, district},
  {10, "GET", "/api/v1/balance?standard=basic&stage=primary&district=" .. d, district},
  {5, "GET", "/api/v1/balance?standard=basic&stage=primary", admin},
  {10, "GET", "/api/v1/certification/statistics?window=" .. w, reviewer},
  {10, "PAGE", "/teachers?district=" .. d, districtCookie},
  {5, "PAGE", "/", adminCookie},
  {10, "PAGE", "/schools", districtCookie},
  {10, "POST", "/api/v1/certification/applications", reviewer},
}
local schedule = {}
for _, k in ipairs(kinds) do for _ = 1, k[1] do table.insert(schedule, k) end end
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
