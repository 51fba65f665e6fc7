-- wrk script: sends the headers given in the environment (AUTH, COOKIE) and prints the
-- percentiles the README quotes (wrk's own --latency stops at 50/75/90/99).
local auth, cookie = os.getenv("AUTH"), os.getenv("COOKIE")
request = function()
  local h = {}
  if auth and auth ~= "" then h["Authorization"] = "Bearer " .. auth end
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  return wrk.format("GET", nil, h)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %.0f req/s p50 %.1f ms p95 %.1f ms p99 %.1f ms errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000, errors))
end
