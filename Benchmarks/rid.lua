-- A valid resident ID (GB 11643) for a sequence number: distinct for 10,080,000 numbers.
-- Shared by the wrk scripts: local rid = dofile("Benchmarks/rid.lua")
local weights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local checks = {"1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"}
return function(seq)
  local day = seq % 28 + 1
  local mon = math.floor(seq / 28) % 12 + 1
  local yr = 1970 + math.floor(seq / 336) % 30
  local s3 = math.floor(seq / 10080) % 1000
  local head = string.format("130481%04d%02d%02d%03d", yr, mon, day, s3)
  local sum = 0
  for i = 1, 17 do sum = sum + tonumber(head:sub(i, i)) * weights[i] end
  return head .. checks[sum % 11 + 1]
end
