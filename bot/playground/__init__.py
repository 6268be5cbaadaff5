"""`madoguchi playground`: the real bot, a local Slack stand-in and a web UI that plays Slack's part.

Everything binds 127.0.0.1 and nothing leaves the machine: the bot talks to the fake Slack Web API
(bot/fakeslack), and the browser UI (static/, no CDN) sends the bot signed requests exactly as Slack
would, through the JSON API in web.py. People come from the workspace config's org directory.
"""
