-- bots/uptime.lua: "!uptime" answers with the session's age and the
-- reconnect counts; a periodic task keeps the minutes vigil has run in
-- vigil.store, so the count survives reloads and restarts. See docs/bots.md.

local started = vigil.state().mono_ms   -- when this session (or this load) began

local function duration(ms)
  local s = ms // 1000
  return string.format("%dd %02dh %02dm %02ds", s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60)
end

vigil.on("READY", function()
  started = vigil.state().mono_ms
end)

vigil.on("MESSAGE_CREATE", function(msg)
  if msg.content ~= "!uptime" or msg.author.bot then return end
  local st = vigil.state()
  msg:reply(string.format("session up %s; %d identify, %d resumed; vigil has run %d min in all",
    duration(st.mono_ms - started), st.identifies, st.resumes, vigil.store.get("minutes") or 0))
end)

vigil.every(60, function()
  vigil.store.set("minutes", (vigil.store.get("minutes") or 0) + 1)
end)
