-- wrk script: answers the survey once per code, codes read from the file CODES (one a line),
-- each thread taking every n-th code so that no code is sent twice; counts statuses.
local codes, n, idx, threads = {}, 0, 0, {}
for line in io.lines(os.getenv("CODES")) do n = n + 1; codes[n] = line end
local body = os.getenv("BODY")
local counter = 0
setup = function(thread) counter = counter + 1; thread:set("id", counter); table.insert(threads, thread) end
init = function() idx = id - 1; created, conflicts, other = 0, 0, 0 end
request = function()
  idx = idx + 2
  local code = codes[(idx % n) + 1]
  return wrk.format("POST", "/survey/" .. code, {["Content-Type"] = "application/json"}, body)
end
response = function(status)
  if status == 201 then created = created + 1 elseif status == 409 then conflicts = conflicts + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local c, k, o = 0, 0, 0
  for _, t in ipairs(threads) do c = c + t:get("created"); k = k + t:get("conflicts"); o = o + t:get("other") end
  io.write(string.format("RESULT %.0f req/s p95 %.1f ms created %d conflicts %d other %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(95) / 1000, c, k, o))
end
