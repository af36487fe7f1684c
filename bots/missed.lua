-- bots/missed.lua: the messages a new session missed. After a RECONNECT
-- (a new session: Discord replays nothing), fetch
-- GET /channels/{id}/messages?after=LAST for every channel seen, page by
-- page, and handle what arrived while the connection was down. A RESUME
-- needs nothing: Discord replays the missed events. See docs/bots.md.

local MAX_CHANNELS = 200     -- channels remembered (bounded memory)
local PAGE = 100             -- Discord's largest page

local last = {}              -- channel id -> newest message id seen
local channels = 0
local first_live = {}        -- channel id -> first message seen after the reconnect
local recovered = {}         -- channel id -> newest message handled as missed

-- Snowflakes are strings: compare by length, then by text.
local function newer(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end

-- What to do with a missed message: log it. Replace with your own handling.
local function handle(channel, m)
  vigil.log.info("missed in %s: %s by %s: %s", channel, m.id,
    m.author and m.author.username or "?", m.content or "")
end

vigil.on("MESSAGE_CREATE", function(msg)
  local ch, id = msg.channel_id, msg.id
  -- A message can reach a page of the catch-up before its own event
  -- arrives: it was handled already.
  if recovered[ch] ~= nil and not newer(id, recovered[ch]) then
    vigil.log.info("missed: in %s, %s came live after it was recovered; not handled twice", ch, id)
    return
  end
  if last[ch] == nil then
    if channels >= MAX_CHANNELS then return end
    channels = channels + 1
  end
  if first_live[ch] == nil then first_live[ch] = id end
  if last[ch] == nil or newer(id, last[ch]) then last[ch] = id end
end)

-- Pages forward from `after` until a page is short or reaches what was
-- seen live (which may arrive while a page is on its way); returns how
-- many were missed.
local function catch_up(ch, after)
  local total = 0
  while true do
    local status, page = vigil.rest("GET", "/channels/" .. ch .. "/messages?limit=" .. PAGE ..
      "&after=" .. after)
    if status ~= 200 or type(page) ~= "table" then
      vigil.log.warn("missed: GET messages of %s answered %d", ch, status)
      return total
    end
    -- Newest first: walk it oldest first.
    for i = #page, 1, -1 do
      local m, stop = page[i], first_live[ch]
      if stop ~= nil and not newer(stop, m.id) then return total end
      handle(ch, m)
      recovered[ch] = m.id
      total = total + 1
      after = m.id
    end
    if #page < PAGE then return total end
  end
end

vigil.on("RECONNECT", function(why)
  local since = {}
  for ch, id in pairs(last) do since[ch] = id end
  first_live = {}
  recovered = {}
  local total = 0
  for ch, after in pairs(since) do
    total = total + catch_up(ch, after)
  end
  vigil.log.info("missed: %d message(s) recovered after a new session (%s)", total, why)
end)
