-- Prints wrk's totals as one JSON line, so that load.ts reads numbers, not wrk's human summary.

-- `wrk … -- N`: the thread stops sending after N responses. wrk still waits out its duration,
-- but idle, so that a smoke run inside the test suite leaves the CPU to the other tests.
init = function(args)
  local limit = tonumber(args[1])
  if limit == nil then return end
  local seen = 0
  response = function()
    seen = seen + 1
    if seen >= limit then wrk.thread:stop() end
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests":%d,"bytes":%d,"micros":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.bytes, summary.duration,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end
