-- bots/ping.lua: the seed's example bot. "!ping" in any channel is answered
-- "Pong!"; bots (its own replies included) are ignored, so two bots cannot
-- ping-pong forever. See docs/bots.md.
vigil.on("MESSAGE_CREATE", function(msg)
  if msg.content == "!ping" and not msg.author.bot then
    msg:reply("Pong!")
  end
end)
