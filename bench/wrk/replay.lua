-- Replays the requests of a file written by bench/dataset.py, one a line:
-- method, path, token and body, separated by tabs.
--
--   wrk ... -s bench/wrk/replay.lua URL -- FILE MODE THREADS
--
-- Thread n of THREADS takes lines n, n + THREADS, ...; two threads never
-- send the same line at once. MODE "cycle" starts over at the end; "once"
-- sends each line once and then stops the thread (a checkout empties its
-- cart, so a second send would fail), and the summary says so.
--
-- Every request carries an X-Forwarded-For address out of 1000 (loopback
-- addresses, never contacted: the header only names the client). With
-- NUM_PROXIES=1 the throttles count each as a client of its own, as they
-- would count a thousand shoppers, instead of one list for the load
-- generator's single address.

local threads = {}
local thread_count = 0

function setup(thread)
   thread:set("thread_id", thread_count)
   thread_count = thread_count + 1
   table.insert(threads, thread)
end

local requests = {}
local position = 0
local once = false
exhausted = 0

local function client_address(index)
   local client = index % 1000
   return string.format("127.1.%d.%d", math.floor(client / 250), client % 250 + 1)
end

function init(args)
   local path, mode, stride = args[1], args[2], tonumber(args[3])
   once = mode == "once"
   local index = 0
   for line in io.lines(path) do
      if line ~= "" and index % stride == thread_id then
         local method, target, token, body =
            line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
         local headers = { ["X-Forwarded-For"] = client_address(index) }
         if token ~= "" then
            headers["Authorization"] = "Token " .. token
         end
         if body ~= "" then
            headers["Content-Type"] = "application/json"
         else
            body = nil
         end
         table.insert(requests, wrk.format(method, target, headers, body))
      end
      index = index + 1
   end
   if #requests == 0 then
      error("no request for thread " .. thread_id .. " in " .. path)
   end
end

function request()
   position = position + 1
   if position > #requests then
      if once then
         -- Out of lines: stop this thread. wrk still wants a request for
         -- the connection that asked, so it gets the last one again; the
         -- run is reported as exhausted and must be given more lines.
         exhausted = 1
         wrk.thread:stop()
         return requests[#requests]
      end
      position = 1
   end
   return requests[position]
end

function done(summary, latency, requests_)
   local was_exhausted = 0
   for _, thread in ipairs(threads) do
      was_exhausted = was_exhausted + (thread:get("exhausted") or 0)
   end
   local errors = summary.errors
   io.write(string.format(
      "BENCH-RESULT {\"requests\": %d, \"duration_us\": %d, \"p50_us\": %d, "
         .. "\"p99_us\": %d, \"status_errors\": %d, \"socket_errors\": %d, "
         .. "\"exhausted\": %d}\n",
      summary.requests,
      summary.duration,
      latency:percentile(50),
      latency:percentile(99),
      errors.status,
      errors.connect + errors.read + errors.write + errors.timeout,
      was_exhausted
   ))
end
